/** Where GitHub shows a container package: the repository's package page when the package is linked to it. */
export interface PackageUrlContext {
  /** e.g. https://github.com or https://ghes.example.com */
  serverUrl: string
  /** owner/repo of the workflow's repository */
  repository: string
  /** URL in org.opencontainers.image.source, if any */
  source: string
  /** 'Organization' or 'User' when the REST API said so */
  ownerType?: string
}

/** GitHub's container registry hosts: ghcr.io, and containers.HOSTNAME on GitHub Enterprise Server. */
export function isGithubContainerRegistry(registry: string, serverUrl: string): boolean {
  if (registry === 'ghcr.io') return true
  const serverHost = safeHost(serverUrl)
  return serverHost !== undefined && serverHost !== 'github.com' && registry === `containers.${serverHost}`
}

/** The package page of `image` (host/owner/name…), or '' when the registry is not GitHub's. */
export function packageUrl(image: string, ctx: PackageUrlContext): string {
  const [registry, owner, ...rest] = image.split('/')
  if (!registry || !owner || rest.length === 0 || !isGithubContainerRegistry(registry, ctx.serverUrl))
    return ''
  const server = ctx.serverUrl.replace(/\/+$/, '')
  const name = encodeURIComponent(rest.join('/'))
  const [repoOwner, repoName] = ctx.repository.toLowerCase().split('/')
  const linkedHere =
    owner === repoOwner && normalizeUrl(ctx.source) === normalizeUrl(`${server}/${ctx.repository}`)
  if (linkedHere && repoName) return `${server}/${ctx.repository}/pkgs/container/${name}`
  const kind = ctx.ownerType === 'Organization' ? 'orgs' : 'users'
  return `${server}/${kind}/${owner}/packages/container/package/${name}`
}

function normalizeUrl(url: string): string {
  return url
    .trim()
    .toLowerCase()
    .replace(/\.git$/, '')
    .replace(/\/+$/, '')
}

function safeHost(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return undefined
  }
}
