/** Names of the values the main step saves for the post step (GITHUB_STATE). */
export const STATE_WORK_DIR = 'workDir'
