/**
 * The OCI 1.1 referrers tag schema: where a registry has no referrers API, the referrers of a manifest are
 * listed by an index tagged `sha256-<hex>` (its digest, `:` → `-`). Every client that adds a referrer
 * rewrites that index, so two jobs adding referrers to the same image race: the update here is
 * read-modify-write with a compare-and-swap and a read-back, retried until the entry is listed.
 */
import type { Descriptor } from './oci/types.js'
import type { Repository } from './repository.js'
import { OCI_INDEX } from './oci/media-types.js'
import { parseImageIndex } from './oci/parse.js'
import { referrersTag } from './lifecycle.js'
import { PreconditionFailed } from './manifests.js'
import { sleep } from './transport/retry.js'
import { RegistryError } from './transport/errors.js'

export interface ReferrersTagOptions {
  /** Writes of the tag before giving up (default 10). */
  maxAttempts?: number
  /**
   * Milliseconds (jittered up to twice) waited after a write before reading it back, and (times the
   * attempt) after a lost race: a racing writer's PUT lands before we look (default 100).
   */
  settleMs?: number
  random?: () => number
  wait?: (ms: number) => Promise<void>
  /** Test hook: after the tag was read and merged, before the write. */
  beforeWrite?: (attempt: number) => Promise<void>
  logger?: { info: (message: string) => void }
}

/** The fallback index with `entry` added, or 'listed' when it is there already. Other entries are kept. */
export function mergeReferrersIndex(
  current: Uint8Array | undefined,
  entry: Descriptor
): Uint8Array | 'listed' {
  const index = current
    ? (parseImageIndex(current, 'the referrers tag index') as unknown as Record<string, unknown> & {
        manifests: Descriptor[]
      })
    : { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] as Descriptor[] }
  if (index.mediaType !== undefined && index.mediaType !== OCI_INDEX) {
    throw new Error(
      `the referrers tag names a ${JSON.stringify(index.mediaType)}, not an OCI index; another tool uses sha256-<hex> tags in this repository — remove that tag or publish elsewhere`
    )
  }
  if (listsDigest(index.manifests, entry.digest)) return 'listed'
  const merged = { ...index, schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...index.manifests, entry] }
  return new TextEncoder().encode(JSON.stringify(merged))
}

function listsDigest(manifests: Descriptor[], digest: string): boolean {
  return manifests.some(m => m.digest === digest)
}

interface TagState {
  digest: string
  body: Buffer
}

async function readTag(repo: Repository, tag: string): Promise<TagState | undefined> {
  const found = await repo.headManifest(tag)
  if (!found) return undefined
  const got = await repo.getManifest(found.digest)
  return { digest: got.digest, body: got.body }
}

/**
 * Adds `entry` (the referrer's descriptor, with artifactType and annotations) to the fallback index of
 * `subjectDigest`; returns the index's digest once two read-backs, a pause apart, list the entry. A write that finds the
 * tag changed since it was read (compare-and-swap on the HEAD before the PUT, If-Match where honoured),
 * and a read-back that no longer lists the entry (a racing writer overwrote it), start over.
 */
export async function addToReferrersTag(
  repo: Repository,
  subjectDigest: string,
  entry: Descriptor,
  opts: ReferrersTagOptions = {}
): Promise<string> {
  const tag = referrersTag(subjectDigest)
  const max = opts.maxAttempts ?? 10
  const settle = opts.settleMs ?? 100
  const random = opts.random ?? Math.random
  const wait = opts.wait ?? sleep
  const state = { conditionalHeaders: true, wrote: false, confirmed: false, pauseMs: settle }
  const pause = () => wait(state.pauseMs * (1 + random()))
  for (let attempt = 1; ;) {
    const current = await readTag(repo, tag)
    const merged = mergeReferrersIndex(current?.body, entry)
    if (merged === 'listed' && current) {
      // Listed twice in a row, a pause apart, after our write: a racing writer's PUT that read the
      // tag before our write has landed by then, and would have dropped it.
      if (!state.wrote || state.confirmed) return current.digest
      state.confirmed = true
      await pause()
      continue
    }
    state.confirmed = false
    if (attempt > max) {
      throw new Error(
        `${repo.registry}/${repo.path}:${tag} still does not list referrer ${entry.digest} after ${max} writes: other jobs keep rewriting it; run the job again`
      )
    }
    await opts.beforeWrite?.(attempt)
    attempt++
    try {
      const ifMatch = current?.digest ?? null
      const started = Date.now()
      await repo.pushManifest(tag, merged as Uint8Array, OCI_INDEX, {
        ifMatch,
        conditionalHeaders: state.conditionalHeaders
      })
      state.wrote = true
      // Another writer's read-check-write takes about as long as ours: wait at least twice that.
      state.pauseMs = Math.max(settle, 2 * (Date.now() - started))
      await pause()
    } catch (error) {
      if (error instanceof RegistryError && error.retryable) {
        // The write is not replayed as it was (see putManifest): read, merge and write again.
        opts.logger?.info(`${tag}: ${error.message}; merging again`)
        await wait(settle * attempt * (1 + random()))
        continue
      }
      if (!(error instanceof PreconditionFailed)) throw error
      if (error.refusedByRegistry && (await unchanged(repo, tag, current))) {
        // A 412 although the tag is as we read it: the registry's If-Match is not about digests.
        opts.logger?.info(`${tag}: the registry refuses If-Match on manifests; comparing by HEAD only`)
        state.conditionalHeaders = false
        continue
      }
      opts.logger?.info(`${tag}: ${error.message}; merging again`)
      await wait(settle * attempt * random())
    }
  }
}

async function unchanged(repo: Repository, tag: string, read: TagState | undefined): Promise<boolean> {
  const now = await repo.headManifest(tag)
  return now?.digest === read?.digest
}
