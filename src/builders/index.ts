/**
 * The build stage: three builders behind one interface. They only build; each hands back a local OCI
 * layout and the action's registry client does every registry write.
 */
export type { Logger, BuildRequest, BuildResult, Builder, Runner, SecretSpec } from './types.js'
export { createBuilder, parseBuilderChoice, selectBuilder, startBuilderProbe } from './select.js'
export { parsePlatforms, normalizePlatform } from './options/platforms.js'
export { parseSecrets } from './options/secrets.js'
export { validateBuildRequest } from './options/validate.js'
export { ensurePlatformsRunnable } from './binfmt.js'
export { buildahBuildArgs, buildahPushArgs } from './buildah/args.js'
export { dockerBuildArgs, dockerSaveArgs } from './docker/args.js'
export { buildxBuildArgs } from './buildx/args.js'
