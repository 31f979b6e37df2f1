/** Names of the values the main step saves for the post step (GITHUB_STATE). */
export const STATE_WORK_DIR = 'workDir'
/** A temporary buildx builder the main step created and has not removed yet (a killed run). */
export const STATE_BUILDX_BUILDER = 'buildxBuilder'
/** The private DOCKER_CONFIG of a buildx installed for this run, until the main step removed it. */
export const STATE_BUILDX_DOCKER_CONFIG = 'buildxDockerConfig'
