/** The metadata stage: docker/metadata-action-compatible tags, labels and annotations, plus GHCR's rules. */
export type {
  AnnotationLevel,
  ComputeOptions,
  GitContext,
  Metadata,
  MetadataInputs,
  Logger,
  RepoInfo
} from './types.js'
export { ANNOTATION_LEVELS } from './types.js'
export { computeMetadata } from './compute.js'
export { readGitContext, commitDateFromPayload } from './context.js'
export { fetchRepo, resolveCommitDate, type ApiOptions } from './github-api.js'
export { labelLines } from './oci.js'
export { usesCommitDate } from './template.js'
export { loadTemplateEngine, needsTemplateEngine } from './template-engine.js'
export { buildTime, EnvVarError } from './clock.js'
export { isSpdxExpression, DESCRIPTION_LIMIT, LICENSES_LIMIT } from './ghcr.js'
