/**
 * After a publish moved tags: delete what the tags named before, with its children and referrers, when
 * nothing reaches it any more. Reachability is re-read right before every delete, so that another job
 * that tagged one of these manifests meanwhile keeps it.
 */
import type { Repository } from '../registry/index.js'
import { describeError } from '../report/errors.js'
import { deletionOrder, protectedCandidates, type CandidateGraph } from './graph.js'
import { gatherCandidates, reachableFrom, sameSnapshot, tagSnapshot, type TaggedManifest } from './gather.js'
import type { CleanupLogger, CleanupResult, ManifestDeleter } from './types.js'

export interface CleanupRequest {
  image: string
  repo: Repository
  /** The digests the moved tags named before this run. */
  before: string[]
  /** The new image's digests (root and children): never deleted. */
  keep: string[]
  deleter: ManifestDeleter
  dryRun: boolean
  logger: CleanupLogger
}

/** Plans and (unless a dry run) deletes; a failure stops the cleanup and is reported, never thrown. */
export async function cleanupImage(req: CleanupRequest): Promise<CleanupResult> {
  const result: CleanupResult = { image: req.image, dryRun: req.dryRun, deleted: [], skipped: [] }
  const roots = [...new Set(req.before)].filter(d => !req.keep.includes(d))
  if (roots.length === 0) return result
  try {
    await run(req, roots, result)
  } catch (error) {
    result.failure = describeError(error)
  }
  return result
}

async function run(req: CleanupRequest, roots: string[], result: CleanupResult): Promise<void> {
  const graph = await gatherCandidates(req.repo, roots)
  const reach = new Reachability(req, graph)
  const order = deletionOrder(graph, await reach.protectedNow())
  for (const digest of order) {
    if (req.dryRun) {
      result.deleted.push(digest)
      continue
    }
    // Another job may have tagged it (or something that reaches it) since the plan.
    if ((await reach.protectedNow()).has(digest)) {
      result.skipped.push({ digest, reason: 'a tag reaches it again' })
      continue
    }
    const outcome = await req.deleter.delete(digest)
    if (typeof outcome === 'object') result.skipped.push({ digest, reason: outcome.skipped })
    else if (outcome === 'deleted') result.deleted.push(digest)
    if (outcome === 'deleted') req.logger.info(`deleted ${req.image}@${digest} (${req.deleter.via})`)
  }
}

/** The candidates the repository's tags and the new image reach; recomputed only when the tags moved. */
class Reachability {
  private snapshot?: Map<string, TaggedManifest>
  private kept = new Set<string>()
  private readonly childrenCache = new Map<string, TaggedManifest[]>()

  constructor(
    private readonly req: CleanupRequest,
    private readonly graph: CandidateGraph
  ) {}

  async protectedNow(): Promise<Set<string>> {
    const now = await tagSnapshot(this.req.repo)
    if (this.snapshot && sameSnapshot(now, this.snapshot)) return this.kept
    this.snapshot = now
    const reachable = await reachableFrom(this.req.repo, now, this.req.keep, this.graph, this.childrenCache)
    this.kept = protectedCandidates(this.graph, reachable)
    return this.kept
  }
}
