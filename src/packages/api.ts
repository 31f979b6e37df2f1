/**
 * GitHub's Packages REST API for a container package (ghcr.io, GHES): its versions (one per manifest,
 * named by digest), deleting one, and the package itself (visibility, linked repository).
 */
import { getOctokit } from '@actions/github'
import { errorMessage } from '../errors.js'

export interface PackageRef {
  owner: string
  /** The package name: the image path after the owner (`a/b` for ghcr.io/owner/a/b). */
  name: string
}

export interface PackageVersion {
  id: number
  /** The manifest digest. */
  name: string
  tags: string[]
}

export interface PackageInfo {
  visibility?: string
  /** `owner/repo` the package is linked to, if any. */
  repository?: string
  htmlUrl?: string
  ownerKind: 'orgs' | 'users'
}

/** An answer of the API other than success, with its status. */
export class PackagesApiError extends Error {
  override name = 'PackagesApiError'
  constructor(
    message: string,
    readonly status: number | undefined,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

const PER_PAGE = 100
const MAX_PAGES = 500
const TIMEOUT_MS = 30_000

/** `host/owner/name…` → the package; undefined when the path has no name after the owner. */
export function packageOf(image: string): PackageRef | undefined {
  const [, owner, ...rest] = image.split('/')
  if (!owner || rest.length === 0) return undefined
  return { owner, name: rest.join('/') }
}

export class PackagesApi {
  private readonly octokit: ReturnType<typeof getOctokit>
  /** Whether the owner is an organization or a user, once an answer told. */
  private readonly kinds = new Map<string, 'orgs' | 'users'>()

  constructor(token: string, apiUrl: string) {
    this.octokit = getOctokit(token, { baseUrl: apiUrl })
  }

  /** Every version of the package, 100 per page. */
  async versions(pkg: PackageRef): Promise<PackageVersion[]> {
    const all: PackageVersion[] = []
    for (let page = 1; page <= MAX_PAGES; page++) {
      const data = await this.call<unknown[]>('GET', pkg, '/versions', { per_page: PER_PAGE, page })
      all.push(...data.flatMap(versionOf))
      if (data.length < PER_PAGE) break
    }
    return all
  }

  async deleteVersion(pkg: PackageRef, id: number): Promise<void> {
    await this.call('DELETE', pkg, `/versions/${id}`, {})
  }

  async getPackage(pkg: PackageRef): Promise<PackageInfo> {
    const data = await this.call<Record<string, unknown>>('GET', pkg, '', {})
    const repo = data.repository as { full_name?: unknown } | null | undefined
    return {
      visibility: typeof data.visibility === 'string' ? data.visibility : undefined,
      repository: typeof repo?.full_name === 'string' ? repo.full_name : undefined,
      htmlUrl: typeof data.html_url === 'string' ? data.html_url : undefined,
      ownerKind: this.kinds.get(pkg.owner) ?? 'orgs'
    }
  }

  /** `/orgs/{owner}/packages/container/{name}…`, and on 404 the same under `/users/{owner}`. */
  private async call<T>(
    method: string,
    pkg: PackageRef,
    suffix: string,
    query: Record<string, number>
  ): Promise<T> {
    const known = this.kinds.get(pkg.owner)
    const kinds: ('orgs' | 'users')[] = known ? [known] : ['orgs', 'users']
    let last: unknown
    for (const kind of kinds) {
      try {
        const res = await this.octokit.request(
          `${method} /${kind}/{owner}/packages/container/{name}${suffix}`,
          { owner: pkg.owner, name: pkg.name, ...query, request: { signal: AbortSignal.timeout(TIMEOUT_MS) } }
        )
        this.kinds.set(pkg.owner, kind)
        return res.data as T
      } catch (error) {
        last = error
        if (statusOf(error) !== 404) break
      }
    }
    throw new PackagesApiError(
      `${method} ${kinds[kinds.length - 1]}/${pkg.owner}/packages/container/${pkg.name}${suffix}: ${describe(last)}`,
      statusOf(last),
      { cause: last }
    )
  }
}

function versionOf(item: unknown): PackageVersion[] {
  const v = item as { id?: unknown; name?: unknown; metadata?: { container?: { tags?: unknown } } }
  if (typeof v.id !== 'number' || typeof v.name !== 'string') return []
  const tags = v.metadata?.container?.tags
  return [{ id: v.id, name: v.name, tags: Array.isArray(tags) ? tags.map(String) : [] }]
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | undefined)?.status
  return typeof status === 'number' ? status : undefined
}

function describe(error: unknown): string {
  const status = statusOf(error)
  const message = errorMessage(error)
  return status === undefined ? message : `HTTP ${status}: ${message}`
}
