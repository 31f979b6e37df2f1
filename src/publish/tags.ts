import type { Repository } from '../registry/index.js'
import type { SerializedManifest } from './manifests.js'

export interface TagLogger {
  info(msg: string): void
}

interface TagWrite {
  repo: Repository
  tag: string
  /** The digest the tag pointed at before this run, or why there is none. */
  before: { digest: string } | 'absent' | 'unknown'
}

const refOf = (w: TagWrite) => `${w.repo.registry}/${w.repo.path}:${w.tag}`

/**
 * Points every tag of every repository at `root`, as close to all-or-nothing as registries allow: the
 * tags' current digests are read first, and when a tag write fails, the tags already moved are pointed
 * back at their previous manifests. A tag that did not exist before cannot be removed (registries
 * delete manifests, not tags): the error names it.
 */
export async function moveTags(
  repos: Repository[],
  tags: string[],
  root: SerializedManifest,
  logger: TagLogger
): Promise<void> {
  const writes = await currentTargets(repos, tags)
  const moved: TagWrite[] = []
  for (const write of writes) {
    try {
      await write.repo.pushManifest(write.tag, root.body, root.mediaType)
    } catch (error) {
      const outcome = await restore(moved, write, logger)
      throw new Error(`could not tag ${refOf(write)}; ${outcome}`, { cause: error })
    }
    moved.push(write)
    logger.info(`tagged ${refOf(write)}`)
  }
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

/** Points the moved tags back where they were; returns what became of them, for the error message. */
async function restore(moved: TagWrite[], failed: TagWrite, logger: TagLogger): Promise<string> {
  // The failed write may have landed before its answer was lost; putting it back is a no-op otherwise.
  await putBack(failed).catch(() => undefined)
  if (moved.length === 0) return 'no tag was moved'
  const restored: string[] = []
  const stuck: string[] = []
  for (const w of moved) {
    try {
      await putBack(w)
      restored.push(refOf(w))
      logger.info(`restored ${refOf(w)}`)
    } catch (error) {
      stuck.push(`${refOf(w)} (${error instanceof Error ? error.message : String(error)})`)
    }
  }
  const parts = restored.length > 0 ? [`restored ${restored.join(', ')} to their previous digests`] : []
  if (stuck.length > 0) parts.push(`left on the new image: ${stuck.join(', ')}`)
  return parts.join('; ')
}

async function putBack(w: TagWrite): Promise<void> {
  if (w.before === 'absent') throw new Error('it did not exist before, and registries cannot delete a tag')
  if (w.before === 'unknown') throw new Error('its previous digest could not be read')
  const previous = await w.repo.getManifest(w.before.digest)
  await w.repo.pushManifest(w.tag, previous.body, previous.mediaType)
}
