import { InputError } from '../inputs/errors.js'

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?$`
)
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const LEGACY_GITHUB_REGISTRY = 'docker.pkg.github.com'

/** `registry/owner/repo` split the way Docker splits a reference: the first part is a host if it looks like one. */
export function splitImageName(name: string): { domain: string | undefined; path: string } {
  const slash = name.indexOf('/')
  const first = slash < 0 ? '' : name.slice(0, slash)
  if (slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    return { domain: first, path: name.slice(slash + 1) }
  }
  return { domain: undefined, path: name }
}

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
  const { domain, path } = splitImageName(lower)
  if (domain !== undefined && !DOMAIN.test(domain)) {
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
  const bad = path.split('/').find(component => !PATH_COMPONENT.test(component))
  if (bad !== undefined) {
    throw new InputError(
      'images',
      `'${bad}' is not a valid repository path component in '${entry}': use lowercase letters, digits and . _ - separators`
    )
  }
}
