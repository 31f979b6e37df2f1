import type { Repository } from '../registry/index.js'
import type { ManifestDeleter } from './types.js'

/** DELETE /v2/<name>/manifests/<digest> (Distribution and most registries; not ghcr.io). */
export function registryDeleter(repo: Repository): ManifestDeleter {
  return { via: 'registry API', delete: digest => repo.deleteManifest(digest) }
}
