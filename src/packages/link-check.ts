/**
 * After a push to ghcr.io or GHES: is the package linked to the repository its
 * org.opencontainers.image.source names? GitHub has no API to link one; the fix is in the web UI.
 */
import { isGitHubRegistry } from '../inputs/login.js'
import { PackagesApi, packageOf, type PackageInfo, type PackageRef } from './api.js'
import { errorMessage } from '../errors.js'

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

export interface LinksChecked {
  /** The primary (first) image's package, when it could be read. */
  package?: { visibility?: string; ownerKind?: 'orgs' | 'users' }
  /** What to warn about, with the fix. */
  warnings: string[]
  /** Packages that could not be read (for the log, not warnings). */
  unreadable: string[]
}

/** Every image's link check (GitHub's registries only), gathered for the report. */
export async function checkPackageLinks(
  images: string[],
  common: Omit<LinkCheckRequest, 'image'>
): Promise<LinksChecked> {
  const checks = await Promise.all(images.map(image => checkPackageLink({ ...common, image })))
  const primary = checks[0]
  return {
    package: primary && { visibility: primary.visibility, ownerKind: primary.ownerKind },
    warnings: checks.flatMap(c => c?.warnings ?? []),
    unreadable: checks.flatMap(c => (c?.unreadable ? [`${c.image}: ${c.unreadable}`] : []))
  }
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
    const unreadable = errorMessage(error)
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
