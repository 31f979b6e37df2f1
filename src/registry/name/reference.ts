/** Image references per the distribution grammar (distribution/reference), with docker.io normalisation. */

export interface Reference {
  /** Registry host[:port] as written (docker.io for Docker Hub). */
  registry: string
  /** Repository path inside the registry, e.g. `acme/app` (`library/alpine` on Docker Hub). */
  repository: string
  tag?: string
  digest?: string
}

export const DOCKER_HUB = 'docker.io'
export const DEFAULT_TAG = 'latest'

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])'
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`
)
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/
const TAG = /^[\w][\w.-]{0,127}$/
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/
const MAX_NAME_LENGTH = 255

export class InvalidReferenceError extends Error {
  override name = 'InvalidReferenceError'
}

/** Parses `[host[:port]/]path[:tag][@digest]`; the tag defaults to `latest` when neither tag nor digest is given. */
export function parseReference(ref: string): Reference {
  const parsed = parseReferenceLoose(ref)
  if (!parsed.tag && !parsed.digest) parsed.tag = DEFAULT_TAG
  return parsed
}

/** `host[:port]/path` without tag or digest (what `RegistryClient.repository` takes). */
export function parseRepositoryName(name: string): { registry: string; repository: string } {
  const parsed = parseReferenceLoose(name)
  if (parsed.tag || parsed.digest) {
    throw new InvalidReferenceError(
      `"${name}" names a tag or digest; expected a repository: host[:port]/path`
    )
  }
  return { registry: parsed.registry, repository: parsed.repository }
}

function parseReferenceLoose(ref: string): Reference {
  const input = ref.trim()
  if (!input) throw new InvalidReferenceError('empty image reference')
  const [nameAndTag, digest, ...rest] = input.split('@')
  if (rest.length > 0 || nameAndTag === undefined)
    throw new InvalidReferenceError(`"${ref}": more than one "@"`)
  const { name, tag } = splitTag(nameAndTag)
  const { registry, repository } = splitRegistry(name, ref)
  checkRepository(repository, ref)
  if (tag !== undefined && !TAG.test(tag)) {
    throw new InvalidReferenceError(
      `"${ref}": invalid tag "${tag}" (letters, digits, _ . - ; at most 128; not starting with . or -)`
    )
  }
  if (digest !== undefined) checkDigest(digest, ref)
  const result: Reference = { registry, repository }
  if (tag !== undefined) result.tag = tag
  if (digest !== undefined) result.digest = digest
  return result
}

function splitTag(nameAndTag: string): { name: string; tag?: string } {
  const colon = nameAndTag.lastIndexOf(':')
  // A colon before the last slash belongs to host:port, not to a tag.
  if (colon === -1 || colon < nameAndTag.lastIndexOf('/')) return { name: nameAndTag }
  return { name: nameAndTag.slice(0, colon), tag: nameAndTag.slice(colon + 1) }
}

/**
 * `[host/]path` split as Docker splits it: the first component is a host when it has a `.` or `:`, is
 * `localhost`, or has capital letters; else there is no host (Docker Hub).
 */
export function splitDomain(name: string): { domain: string | undefined; path: string } {
  const slash = name.indexOf('/')
  const first = slash === -1 ? '' : name.slice(0, slash)
  const isHost =
    slash !== -1 && (/[.:]/.test(first) || first === 'localhost' || first !== first.toLowerCase())
  return isHost ? { domain: first, path: name.slice(slash + 1) } : { domain: undefined, path: name }
}

/** `host[:port]`, a DNS name or a bracketed IPv6 address, as the distribution grammar has it. */
export function isValidHost(host: string): boolean {
  return DOMAIN.test(host)
}

/** One `/`-separated component of a repository path: lowercase letters and digits, separated by . _ __ or -. */
export function isValidPathComponent(component: string): boolean {
  return PATH_COMPONENT.test(component)
}

function splitRegistry(name: string, ref: string): { registry: string; repository: string } {
  const { domain, path } = splitDomain(name)
  if (domain === undefined) return { registry: DOCKER_HUB, repository: dockerHubPath(name) }
  if (!isValidHost(domain)) throw new InvalidReferenceError(`"${ref}": invalid registry host "${domain}"`)
  const registry = normaliseHost(domain)
  return { registry, repository: registry === DOCKER_HUB ? dockerHubPath(path) : path }
}

function dockerHubPath(path: string): string {
  return path.includes('/') ? path : `library/${path}`
}

/** Docker Hub's aliases collapse to docker.io; other hosts are lowercased (DNS is case-insensitive). */
export function normaliseHost(host: string): string {
  const lower = host.toLowerCase()
  return lower === 'index.docker.io' || lower === 'registry-1.docker.io' ? DOCKER_HUB : lower
}

function checkRepository(path: string, ref: string): void {
  if (!path) throw new InvalidReferenceError(`"${ref}": missing repository path`)
  if (path.length > MAX_NAME_LENGTH) {
    throw new InvalidReferenceError(`"${ref}": repository path is longer than ${MAX_NAME_LENGTH} characters`)
  }
  if (path !== path.toLowerCase()) {
    throw new InvalidReferenceError(
      `"${ref}": repository path "${path}" contains capital letters; registries accept lowercase paths only: use "${path.toLowerCase()}"`
    )
  }
  for (const component of path.split('/')) {
    if (!isValidPathComponent(component)) {
      throw new InvalidReferenceError(
        `"${ref}": invalid path component "${component}" (lowercase letters and digits, separated by . _ __ or -)`
      )
    }
  }
}

function checkDigest(digest: string, ref: string): void {
  if (!DIGEST.test(digest)) throw new InvalidReferenceError(`"${ref}": invalid digest "${digest}"`)
  if (digest.startsWith('sha256:') && !/^sha256:[a-f0-9]{64}$/.test(digest)) {
    throw new InvalidReferenceError(`"${ref}": a sha256 digest is 64 lowercase hex characters`)
  }
}

export function isDigestReference(reference: string): boolean {
  return reference.includes(':') && DIGEST.test(reference)
}

/** Checks a manifest reference (tag or digest). */
export function checkManifestReference(reference: string): string {
  if (TAG.test(reference) || isDigestReference(reference)) return reference
  throw new InvalidReferenceError(`invalid manifest reference "${reference}": expected a tag or a digest`)
}

export function formatReference(ref: Reference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`
}
