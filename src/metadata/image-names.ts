import { InputError } from '../inputs/errors.js'
import { isValidHost, isValidPathComponent, splitDomain } from '../registry/index.js'

const LEGACY_GITHUB_REGISTRY = 'docker.pkg.github.com'

/**
 * The image name as the registry needs it: lowercased (with a warning when that changes it) and checked
 * against the reference grammar, so a stray tag or character fails here with the line that holds it.
 */
export function normalizeImageName(name: string, entry: string, warnings: string[]): string {
  const lower = name.toLowerCase()
  if (lower !== name) {
    warnings.push(
      `image '${name}' lowercased to '${lower}': registries only accept lowercase repository names`
    )
  }
  const { domain, path } = splitDomain(lower)
  if (domain !== undefined && !isValidHost(domain)) {
    throw new InputError('images', `'${domain}' is not a valid registry host in '${entry}'`)
  }
  checkPath(path, entry)
  if (domain === LEGACY_GITHUB_REGISTRY && path.split('/').length !== 3) {
    throw new InputError(
      'images',
      `${LEGACY_GITHUB_REGISTRY} needs ${LEGACY_GITHUB_REGISTRY}/OWNER/REPOSITORY/IMAGE_NAME, got '${name}' in '${entry}'` +
        ' (or move to ghcr.io/OWNER/IMAGE_NAME)'
    )
  }
  return lower
}

function checkPath(path: string, entry: string): void {
  if (path.includes('@') || path.includes(':')) {
    throw new InputError('images', `image names carry no tag or digest (use the tags input), got '${entry}'`)
  }
  const bad = path.split('/').find(component => !isValidPathComponent(component))
  if (bad !== undefined) {
    throw new InputError(
      'images',
      `'${bad}' is not a valid repository path component in '${entry}': use lowercase letters, digits and . _ - separators`
    )
  }
}
