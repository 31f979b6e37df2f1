/** Reading a repository's tags and referrers, and deleting manifests: what a cleanup needs. */
import type { Descriptor } from './oci/types.js'
import type { ManifestTarget } from './manifests.js'
import * as manifests from './manifests.js'
import { header } from './transport/session.js'
import { RegistryError } from './transport/errors.js'
import { assertDigest } from './digest.js'
import { OCI_INDEX } from './oci/media-types.js'
import { parseImageIndex } from './oci/parse.js'
import { JsonValue } from './json.js'

/** The referrers of a manifest, and the fallback tag's index that lists them when the API is missing. */
export interface Referrers {
  descriptors: Descriptor[]
  /** The digest of the `sha256-<hex>` tag's index (OCI 1.1 referrers tag schema), when that was read. */
  tagIndex?: string
}

const PAGE_SIZE = 1000
const MAX_PAGES = 1000

/** Every tag, page by page (`?n=`, Link rel="next"); a repository the registry does not know has none. */
export async function listTags(t: ManifestTarget, pageSize = PAGE_SIZE): Promise<string[]> {
  const tags: string[] = []
  let target: string | URL | undefined = `/v2/${t.repository}/tags/list?n=${pageSize}`
  for (let page = 0; target && page < MAX_PAGES; page++) {
    const res = await t.session.call({ ...readCall(t, target), expect: [200, 404] })
    if (res.status === 404) return tags
    const list = JsonValue.parse(res.body, `the tags of ${t.repository}`).field('tags')
    tags.push(...(list.optional(v => v.array().map(tag => tag.string())) ?? []))
    const next = nextLink(header(res, 'link'))
    target = next === undefined ? undefined : new URL(next, res.url)
  }
  return [...new Set(tags)]
}

/** `<url>; rel="next"` of a Link header. */
export function nextLink(link: string | undefined): string | undefined {
  if (!link) return undefined
  for (const part of link.split(',')) {
    const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(part.trim())
    if (match?.[1]) return match[1]
  }
  return undefined
}

/** OCI 1.1 referrers API; on 404 the `sha256-<hex>` fallback tag's index; neither: none. */
export async function referrers(t: ManifestTarget, digest: string): Promise<Referrers> {
  assertDigest(digest)
  const res = await t.session.call({
    ...readCall(t, `/v2/${t.repository}/referrers/${digest}`),
    headers: { accept: OCI_INDEX },
    expect: [200, 404]
  })
  if (res.status === 200 && !isHtml(header(res, 'content-type'))) {
    return { descriptors: manifestsOf(res.body) }
  }
  const tag = referrersTag(digest)
  const found = await manifests.headManifest(t, tag)
  if (!found) return { descriptors: [] }
  const index = await manifests.getManifest(t, found.digest)
  return { descriptors: manifestsOf(index.body), tagIndex: index.digest }
}

/** The OCI 1.1 referrers tag of a digest: `sha256:abc…` → `sha256-abc…`. */
export function referrersTag(digest: string): string {
  return digest.replace(':', '-')
}

/**
 * DELETE /v2/<name>/manifests/<digest>. 'gone' when it was not there (already deleted). A registry that
 * does not allow deletes (405, UNSUPPORTED) throws with a hint.
 */
export async function deleteManifest(t: ManifestTarget, digest: string): Promise<'deleted' | 'gone'> {
  assertDigest(digest)
  try {
    const res = await t.session.call({
      method: 'DELETE',
      target: `/v2/${t.repository}/manifests/${digest}`,
      // Token servers grant DELETE to the `delete` action (Distribution's token auth, Harbor).
      scopes: [`repository:${t.repository}:pull,push,delete`],
      expect: [202, 200, 204, 404],
      repository: t.repository,
      push: true,
      cancellable: false
    })
    return res.status === 404 ? 'gone' : 'deleted'
  } catch (error) {
    if (error instanceof RegistryError && (error.status === 405 || error.codes.includes('UNSUPPORTED'))) {
      throw new RegistryError({
        method: 'DELETE',
        url: error.url,
        status: error.status,
        details: error.details,
        retryable: false,
        cause: error,
        hint: `${t.session.registry} does not allow deleting manifests (Distribution: storage.delete.enabled: true); set cleanup: false`
      })
    }
    throw error
  }
}

function readCall(t: ManifestTarget, target: string | URL) {
  return {
    method: 'GET',
    target,
    scopes: t.scopes(),
    repository: t.repository,
    push: t.push,
    maxBodyBytes: 16 * 1024 * 1024
  }
}

function manifestsOf(body: Buffer): Descriptor[] {
  return parseImageIndex(body, 'the referrers index').manifests
}

function isHtml(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().includes('text/html')
}
