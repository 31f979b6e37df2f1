/**
 * The one push routine (go-containerregistry's remote.MultiWrite shape): an image — blobs, child
 * manifests, a root — written to several repositories, and only once every one of them holds all of
 * it, the tags. Used by the action's publish and merge, the CLI and the library's pushLayout.
 */
import type { Descriptor } from './oci/types.js'
import type { BlobSource, Logger, PushBlobResult } from './types.js'
import type { RegistryClient } from './client.js'
import type { Repository } from './repository.js'
import { moveTags, type MovedTag } from './tags.js'

/** A manifest or index with its exact bytes. */
export interface ManifestBytes {
  desc: Descriptor
  body: Uint8Array
}

/** A blob and where its bytes are. */
export interface BlobToWrite {
  desc: Descriptor
  source: BlobSource
}

export interface ImageToWrite {
  /** What the tags point at; undefined writes the manifests by digest only (no tags). */
  root?: ManifestBytes
  /** Child manifests, in levels: every level is written before the next (children before parents). */
  manifests: ManifestBytes[][]
  /** Every blob the manifests reference (configs and layers) that is not known to be there already. */
  blobs: BlobToWrite[]
}

export interface WriteOptions {
  tags?: string[]
  logger?: Pick<Logger, 'info'>
  /** Stops the write: no blob or manifest starts after it fired; tags already moved are put back. */
  signal?: AbortSignal
  /**
   * Runs once every repository holds the whole image by digest and before any tag moves (also when
   * there are no tags): the place to attach referrers (attestations) to what was written. A throw
   * stops the write there: no tag is moved.
   */
  beforeTags?: (written: WrittenImage) => Promise<void>
  /** Blobs pushBlobsEarly started: not pushed again, counted in the report. */
  early?: EarlyBlobs
}

/** Blobs on their way to every target before multiWrite starts (see pushBlobsEarly). */
export interface EarlyBlobs {
  /** The targets, in multiWrite's order. */
  targets: readonly string[]
  digests: ReadonlySet<string>
  /** Per target, in order: how each blob got there. */
  results: Promise<PushBlobResult[][]>
}

/**
 * Starts pushing blobs whose bytes are final to every target now, e.g. the configs while the layers
 * are still being compressed: each costs a few round trips that then overlap the layer uploads. Like
 * multiWrite, one target after another, mounting from the earlier ones. Pass the result to multiWrite
 * (`early`) and wait for it even when something else fails first.
 */
export function pushBlobsEarly(client: RegistryClient, targets: string[], blobs: BlobToWrite[]): EarlyBlobs {
  const repos = targets.map(name => client.repository(name))
  const results = (async () => {
    const perTarget: PushBlobResult[][] = []
    for (const [i, repo] of repos.entries())
      perTarget.push(await pushBlobs(repo, blobs, mountSources(repos.slice(0, i), repo)))
    return perTarget
  })()
  return { targets: [...targets], digests: new Set(blobs.map(b => b.desc.digest)), results }
}

/** Pushes blobs to one repository at once, the largest first: the longest upload is the critical path. */
function pushBlobs(repo: Repository, blobs: BlobToWrite[], mountFrom: string[]): Promise<PushBlobResult[]> {
  const largestFirst = [...blobs].sort((a, b) => b.desc.size - a.desc.size)
  return settleAll(largestFirst.map(blob => repo.pushBlob(blob.desc, blob.source, { mountFrom })))
}

/** The repositories on `repo`'s registry, by path: where a blob they hold can be mounted from. */
function mountSources(earlier: Repository[], repo: Repository): string[] {
  return earlier.filter(r => r.registry === repo.registry).map(r => r.path)
}

/** What multiWrite put in every repository by digest, for the beforeTags phase. */
export interface WrittenImage {
  repositories: Repository[]
  /** What the tags are to point at, when there is one. */
  root?: Descriptor
  /** The child manifests, every level. */
  manifests: Descriptor[]
}

/** What each repository received, for the log and the report. */
export interface WriteReport {
  repository: Repository
  blobs: Record<'uploaded' | 'mounted' | 'exists', number>
  /** The tags pointed at the root in this repository, with what they named before. */
  movedTags: MovedTag[]
}

/** Writes `image` to every repository (`host/path`), then moves `tags` in all of them. */
export async function multiWrite(
  client: RegistryClient,
  targets: string[],
  image: ImageToWrite,
  opts: WriteOptions = {}
): Promise<WriteReport[]> {
  const repos = targets.map(name => client.repository(name))
  if (opts.early && opts.early.targets.join('\n') !== targets.join('\n'))
    throw new Error('multiWrite: the early blobs were pushed to other targets, or in another order')
  const reports: WriteReport[] = []
  for (const [i, repo] of repos.entries()) {
    const mountFrom = mountSources(repos.slice(0, i), repo)
    const early = opts.early ? ((await opts.early.results)[i] ?? []) : []
    reports.push(await writeTo(repo, image, mountFrom, early, opts))
  }
  if (opts.beforeTags) {
    opts.signal?.throwIfAborted()
    await opts.beforeTags({
      repositories: repos,
      root: image.root?.desc,
      manifests: image.manifests.flat().map(m => m.desc)
    })
  }
  const tags = [...new Set(opts.tags ?? [])]
  if (image.root && tags.length > 0) {
    const { desc, body } = image.root
    const moved = await moveTags(
      repos,
      tags,
      { digest: desc.digest, body, mediaType: desc.mediaType },
      logOf(opts),
      opts.signal
    )
    for (const report of reports) {
      const name = `${report.repository.registry}/${report.repository.path}`
      report.movedTags = moved.filter(m => m.repository === name)
    }
  }
  return reports
}

async function writeTo(
  repo: Repository,
  image: ImageToWrite,
  mountFrom: string[],
  early: PushBlobResult[],
  opts: WriteOptions
): Promise<WriteReport> {
  opts.signal?.throwIfAborted()
  const blobs = image.blobs.filter(blob => !opts.early?.digests.has(blob.desc.digest))
  const results = await pushBlobs(repo, blobs, mountFrom)
  const counts = { uploaded: 0, mounted: 0, exists: 0 }
  for (const result of [...early, ...results]) counts[result]++
  for (const level of [...image.manifests, ...(image.root ? [[image.root]] : [])]) {
    opts.signal?.throwIfAborted()
    await settleAll(level.map(m => repo.pushManifest(m.desc.digest, m.body, m.desc.mediaType)))
  }
  logOf(opts).info(
    `${repo.registry}/${repo.path}${image.root ? `@${image.root.desc.digest}` : ''}: ${early.length + blobs.length} blobs ` +
      `(${counts.uploaded} uploaded, ${counts.mounted} mounted, ${counts.exists} already there)`
  )
  return { repository: repo, blobs: counts, movedTags: [] }
}

function logOf(opts: WriteOptions): Pick<Logger, 'info'> {
  return opts.logger ?? { info: () => {} }
}

/**
 * Like Promise.all, but returns only once nothing is in flight any more (no write after a failure).
 * It throws the failure that came first in time: the cause (a refusal), not what a later stop did to
 * the tasks still running (a deadline that passed while they finished).
 */
export async function settleAll<T>(tasks: Array<Promise<T>>): Promise<T[]> {
  let first: { reason: unknown } | undefined
  const results = await Promise.allSettled(
    tasks.map(task =>
      task.catch((reason: unknown) => {
        first ??= { reason }
        throw reason
      })
    )
  )
  if (first) throw first.reason
  return results.map(r => (r as PromiseFulfilledResult<T>).value)
}
