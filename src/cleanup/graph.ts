/**
 * What a cleanup may delete (pure): the manifests the moved tags named before, with their children and
 * referrers, minus whatever the repository's tags (or the new image) still reach.
 */

/** A manifest the cleanup considers deleting, as the registry described it. */
export interface CandidateNode {
  digest: string
  /** Manifests an index lists (platform manifests, attestation manifests, a referrers tag's entries). */
  children: string[]
  /** The manifest this one refers to: its `subject`, or for a `sha256-<hex>` tag's index, that digest. */
  subject?: string
  /** Its referrers and its referrers tag's index. */
  referrers: string[]
}

export type CandidateGraph = Map<string, CandidateNode>

/**
 * The candidates something still needs: reached from `reachable` (what the tags and the new image reach
 * outside the candidates), through an index's children or a subject's referrers.
 */
export function protectedCandidates(graph: CandidateGraph, reachable: ReadonlySet<string>): Set<string> {
  const kept = new Set<string>()
  const needed = (digest: string) => reachable.has(digest) || kept.has(digest)
  for (let changed = true; changed;) {
    changed = false
    for (const [digest, node] of graph) {
      if (kept.has(digest)) continue
      const parentKept = [...kept].some(p => edgesOf(graph, p).includes(digest))
      if (reachable.has(digest) || parentKept || (node.subject !== undefined && needed(node.subject))) {
        kept.add(digest)
        changed = true
      }
    }
  }
  return kept
}

/**
 * The candidates not protected, in deletion order: an index before its children, a subject before its
 * referrers (nothing left half-reachable points at a manifest already deleted).
 */
export function deletionOrder(graph: CandidateGraph, keep: ReadonlySet<string>): string[] {
  const doomed = [...graph.keys()].filter(d => !keep.has(d))
  const parents = new Map<string, number>(doomed.map(d => [d, 0]))
  for (const d of doomed) for (const next of edgesOf(graph, d)) bump(parents, next)
  const order: string[] = []
  const ready = doomed.filter(d => parents.get(d) === 0)
  while (ready.length > 0) {
    const digest = ready.shift() as string
    order.push(digest)
    for (const next of edgesOf(graph, digest)) {
      if (!parents.has(next)) continue
      const left = (parents.get(next) ?? 0) - 1
      parents.set(next, left)
      if (left === 0) ready.push(next)
    }
  }
  // A cycle (a referrer listed as a child of its own subject's index…): the rest, in discovery order.
  return [...order, ...doomed.filter(d => !order.includes(d))]
}

function edgesOf(graph: CandidateGraph, digest: string): string[] {
  const node = graph.get(digest)
  return [...new Set([...(node?.children ?? []), ...(node?.referrers ?? [])])].filter(d => d !== digest)
}

function bump(counts: Map<string, number>, digest: string): void {
  const n = counts.get(digest)
  if (n !== undefined) counts.set(digest, n + 1)
}
