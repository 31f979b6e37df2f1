/** Moving tags as close to all-or-nothing as registries allow: the last phase of every push. */
import type { Logger } from './types.js'
import type { Repository } from './repository.js'
import { RegistryError } from './transport/errors.js'

/** The manifest the tags are to point at. */
export interface TagTarget {
  digest: string
  body: Uint8Array
  mediaType: string
}

/** A tag this run pointed at the target, and the digest it named before (absent: new or unreadable). */
export interface MovedTag {
  /** `host/path` of the repository. */
  repository: string
  tag: string
  before?: string
}

interface TagWrite {
  repo: Repository
  tag: string
  /** The digest the tag pointed at before this run, or why there is none. */
  before: { digest: string } | 'absent' | 'unknown'
}

const refOf = (w: TagWrite): string => `${w.repo.registry}/${w.repo.path}:${w.tag}`

/**
 * Points every tag of every repository at `target`. The tags' current digests are read first; when a
 * tag write fails or the run is cancelled (`signal`), the tags this run moved are put back — each only
 * if it still points at what this run wrote: a tag another job moved since is left alone. A tag that
 * did not exist before cannot be removed (registries delete manifests, not tags): the error names it.
 */
export async function moveTags(
  repos: Repository[],
  tags: string[],
  target: TagTarget,
  logger: Pick<Logger, 'info'>,
  signal?: AbortSignal
): Promise<MovedTag[]> {
  const writes = await currentTargets(repos, tags)
  const moved: TagWrite[] = []
  for (const write of writes) {
    if (signal?.aborted) {
      const outcome = await restore(moved, target, logger)
      throw new Error(`cancelled before tagging ${refOf(write)}; ${outcome}`, { cause: signal.reason })
    }
    try {
      // The HEAD above said what the tag names: pushManifest need not ask again.
      const known = write.before === 'unknown' ? undefined : write.before
      await write.repo.pushManifest(write.tag, target.body, target.mediaType, { known })
    } catch (error) {
      const landed = refused(error) ? [] : [write]
      const outcome = await restore([...moved, ...landed], target, logger)
      throw new Error(`could not tag ${refOf(write)}; ${outcome}`, { cause: error })
    }
    moved.push(write)
    logger.info(`tagged ${refOf(write)}`)
  }
  return writes.map(w => ({
    repository: `${w.repo.registry}/${w.repo.path}`,
    tag: w.tag,
    before: beforeDigest(w)
  }))
}

/** A 4xx answer: the registry refused the write, so the tag was not moved and needs no putting back. */
function refused(error: unknown): boolean {
  return (
    error instanceof RegistryError && error.status !== undefined && error.status >= 400 && error.status < 500
  )
}

async function currentTargets(repos: Repository[], tags: string[]): Promise<TagWrite[]> {
  const pairs = repos.flatMap(repo => tags.map(tag => ({ repo, tag })))
  return Promise.all(
    pairs.map(async ({ repo, tag }) => {
      const before = await repo.headManifest(tag).then(
        desc => (desc ? { digest: desc.digest } : 'absent'),
        () => 'unknown' as const
      )
      return { repo, tag, before }
    })
  )
}

/** Puts the tags back where they were; returns what became of them, for the error message. */
async function restore(writes: TagWrite[], target: TagTarget, logger: Pick<Logger, 'info'>): Promise<string> {
  if (writes.length === 0) return 'no tag was moved'
  const outcomes = { restored: [] as string[], others: [] as string[], stuck: [] as string[] }
  for (const w of writes) {
    try {
      const now = await w.repo.headManifest(w.tag)
      if (now?.digest !== target.digest) {
        // Never written (the answer was lost before the write), or another job moved it since.
        if (now?.digest !== beforeDigest(w)) outcomes.others.push(refOf(w))
        continue
      }
      await putBack(w)
      outcomes.restored.push(refOf(w))
      logger.info(`restored ${refOf(w)}`)
    } catch (error) {
      outcomes.stuck.push(`${refOf(w)} (${error instanceof Error ? error.message : String(error)})`)
    }
  }
  return restoreText(outcomes)
}

function restoreText(o: { restored: string[]; others: string[]; stuck: string[] }): string {
  const parts: string[] = []
  if (o.restored.length > 0) parts.push(`restored ${o.restored.join(', ')} to their previous digests`)
  if (o.others.length > 0) parts.push(`moved by someone else meanwhile, left alone: ${o.others.join(', ')}`)
  if (o.stuck.length > 0) parts.push(`left on the new image: ${o.stuck.join(', ')}`)
  return parts.length > 0 ? parts.join('; ') : 'no tag was moved'
}

function beforeDigest(w: TagWrite): string | undefined {
  return typeof w.before === 'object' ? w.before.digest : undefined
}

async function putBack(w: TagWrite): Promise<void> {
  if (w.before === 'absent') throw new Error('it did not exist before, and registries cannot delete a tag')
  if (w.before === 'unknown') throw new Error('its previous digest could not be read')
  const previous = await w.repo.getManifest(w.before.digest)
  await w.repo.pushManifest(w.tag, previous.body, previous.mediaType)
}
