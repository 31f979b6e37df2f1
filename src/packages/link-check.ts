/**
 * After a push to ghcr.io or GHES: is the package linked to the repository its
 * org.opencontainers.image.source names? GitHub has no API to link one; the fix is in the web UI.
 */
import { isGitHubRegistry } from '../inputs/login.js'
import { PackagesApi, packageOf, type PackageInfo, type PackageRef } from './api.js'

export interface LinkCheck {
  image: string
  /** public, private or internal; undefined when the package could not be read. */
  visibility?: string
  ownerKind?: 'orgs' | 'users'
  warnings: string[]
  /** Why the package could not be read (for the log, not a warning). */
  unreadable?: string
}

export interface LinkCheckRequest {
  image: string
  /** The org.opencontainers.image.source label. */
  source: string
  githubToken: string
  apiUrl: string
  serverUrl: string
  env: NodeJS.ProcessEnv
}

/** Undefined for a registry that is not GitHub's. */
export async function checkPackageLink(req: LinkCheckRequest): Promise<LinkCheck | undefined> {
  const [registry = ''] = req.image.split('/')
  const pkg = packageOf(req.image)
  if (!pkg || !isGitHubRegistry(registry, req.env)) return undefined
  try {
    const info = await new PackagesApi(req.githubToken, req.apiUrl).getPackage(pkg)
    return {
      image: req.image,
      visibility: info.visibility,
      ownerKind: info.ownerKind,
      warnings: linkWarnings(info, pkg, req.source, req.serverUrl)
    }
  } catch (error) {
    const unreadable = error instanceof Error ? error.message : String(error)
    return { image: req.image, warnings: [], unreadable }
  }
}

/** The repository (`owner/repo`, lowercase) a source URL on this server names; undefined for another host. */
export function sourceRepository(source: string, serverUrl: string): string | undefined {
  try {
    const url = new URL(source.trim())
    if (url.host.toLowerCase() !== new URL(serverUrl).host.toLowerCase()) return undefined
    const [owner, repo] = url.pathname
      .replace(/^\/+/, '')
      .replace(/\.git$/, '')
      .split('/')
    return owner && repo ? `${owner}/${repo}`.toLowerCase() : undefined
  } catch {
    return undefined
  }
}

/** Pure: what to tell the user about the package's link, with the exact fix. */
export function linkWarnings(
  info: PackageInfo,
  pkg: PackageRef,
  source: string,
  serverUrl: string
): string[] {
  const expected = sourceRepository(source, serverUrl)
  if (!expected) return []
  const settings = `${serverUrl.replace(/\/+$/, '')}/${info.ownerKind}/${pkg.owner}/packages/container/${encodeURIComponent(pkg.name)}/settings`
  const inherit =
    'A package pushed before it was linked does not inherit the repository’s access: also add the ' +
    `repository under "Manage Actions access" there (role Write, or Admin for cleanup).`
  if (!info.repository) {
    return [
      `The package ${pkg.owner}/${pkg.name} is not linked to ${expected} (org.opencontainers.image.source): ` +
        `open ${settings} and use "Connect repository" (Package settings), or link it from the repository’s ` +
        `Packages sidebar. ${inherit}`
    ]
  }
  if (info.repository.toLowerCase() !== expected) {
    return [
      `The package ${pkg.owner}/${pkg.name} is linked to ${info.repository}, but org.opencontainers.image.source ` +
        `names ${expected}: GitHub keeps the first link. Set source to ${serverUrl.replace(/\/+$/, '')}/${info.repository}, ` +
        `or push to a package of its own; to change the link, delete and re-create the package (${settings}).`
    ]
  }
  return []
}
