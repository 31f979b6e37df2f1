import { EnvVarError } from './clock.js'
import { ANNOTATION_LEVELS, type AnnotationLevel } from './types.js'

/**
 * DOCKER_METADATA_ANNOTATIONS_LEVELS (comma list) when set; otherwise `manifest,index` for a multi-platform
 * build, since GHCR reads a multi-arch image's description from the index, and `manifest` for one platform.
 */
export function annotationLevels(env: NodeJS.ProcessEnv, platformCount: number): AnnotationLevel[] {
  const raw = env.DOCKER_METADATA_ANNOTATIONS_LEVELS?.trim()
  if (!raw) return platformCount > 1 ? ['manifest', 'index'] : ['manifest']
  const levels: AnnotationLevel[] = []
  for (const level of raw.split(',').map(part => part.trim())) {
    if (level === '') continue
    if (!(ANNOTATION_LEVELS as readonly string[]).includes(level)) {
      throw new EnvVarError(
        'DOCKER_METADATA_ANNOTATIONS_LEVELS',
        `unknown level '${level}'; use a comma list of ${ANNOTATION_LEVELS.join(', ')}`
      )
    }
    if (!levels.includes(level as AnnotationLevel)) levels.push(level as AnnotationLevel)
  }
  return levels
}
