/** Reads from the registry what the cleanup plan needs: the candidates' graph, the tags, what they reach. */
import {
  DOCKER_MANIFEST_LIST,
  JsonValue,
  OCI_INDEX,
  RegistryError,
  type Repository
} from '../registry/index.js'
import type { CandidateGraph, CandidateNode } from './graph.js'

const INDEX_TYPES = new Set([OCI_INDEX, DOCKER_MANIFEST_LIST])
const FALLBACK_TAG = /^sha256-[0-9a-f]{64}$/
const HEAD_CONCURRENCY = 8

/** What links a manifest to others: an index's children, an artifact's subject. */
interface ManifestLinks {
  manifests: TaggedManifest[]
  subject?: string
}

/** A tag and what it names now. */
export interface TaggedManifest {
  digest: string
  mediaType: string
}

/**
 * The tags that decide reachability, and what each names: every tag but the OCI 1.1 referrers tags
 * (`sha256-<hex>`), whose subject decides whether they are needed.
 */
export async function tagSnapshot(repo: Repository): Promise<Map<string, TaggedManifest>> {
  const tags = (await repo.listTags()).filter(tag => !FALLBACK_TAG.test(tag)).sort()
  const snapshot = new Map<string, TaggedManifest>()
  for (let i = 0; i < tags.length; i += HEAD_CONCURRENCY) {
    const batch = tags.slice(i, i + HEAD_CONCURRENCY)
    const found = await Promise.all(batch.map(tag => repo.headManifest(tag)))
    batch.forEach((tag, j) => {
      const desc = found[j]
      if (desc) snapshot.set(tag, { digest: desc.digest, mediaType: desc.mediaType })
    })
  }
  return snapshot
}

export function sameSnapshot(a: Map<string, TaggedManifest>, b: Map<string, TaggedManifest>): boolean {
  return a.size === b.size && [...a].every(([tag, m]) => b.get(tag)?.digest === m.digest)
}

/**
 * The manifests `roots` reach, read from the registry: each one's children (an index's manifests), its
 * referrers (the referrers API, or the `sha256-<hex>` tag's index and what it lists), recursively.
 * A manifest already gone is left out.
 */
export async function gatherCandidates(repo: Repository, roots: string[]): Promise<CandidateGraph> {
  const graph: CandidateGraph = new Map()
  const tagIndexSubject = new Map<string, string>()
  const queue = [...roots]
  while (queue.length > 0) {
    const digest = queue.shift() as string
    if (graph.has(digest)) continue
    const node = await readNode(repo, digest, tagIndexSubject.get(digest))
    if (!node) continue
    graph.set(digest, node)
    if (node.tagIndex) tagIndexSubject.set(node.tagIndex, digest)
    queue.push(...node.children, ...node.referrers)
  }
  return graph
}

async function readNode(
  repo: Repository,
  digest: string,
  tagIndexOf: string | undefined
): Promise<(CandidateNode & { tagIndex?: string }) | undefined> {
  const manifest = await getIfPresent(repo, digest)
  if (!manifest) return undefined
  const children = manifest.manifests.map(m => m.digest)
  const subject = tagIndexOf ?? manifest.subject
  // A referrers tag's index is the list of its subject's referrers: it has none of its own.
  if (tagIndexOf) return { digest, children, subject, referrers: [] }
  const found = await repo.referrers(digest)
  const referrers = [...digestsOf(found.descriptors), ...(found.tagIndex ? [found.tagIndex] : [])]
  return { digest, children, subject, referrers: [...new Set(referrers)], tagIndex: found.tagIndex }
}

/**
 * What the tags (and `keep`) reach outside the candidates: the tagged digests and, for indexes, their
 * children, recursively. Inside the graph, protectedCandidates follows the edges.
 */
export async function reachableFrom(
  repo: Repository,
  snapshot: Map<string, TaggedManifest>,
  keep: string[],
  graph: CandidateGraph,
  childrenCache: Map<string, TaggedManifest[]>
): Promise<Set<string>> {
  const reachable = new Set<string>()
  const queue: TaggedManifest[] = [...snapshot.values(), ...keep.map(digest => ({ digest, mediaType: '' }))]
  while (queue.length > 0) {
    const next = queue.shift() as TaggedManifest
    if (reachable.has(next.digest)) continue
    reachable.add(next.digest)
    if (graph.has(next.digest) || (next.mediaType && !INDEX_TYPES.has(next.mediaType))) continue
    queue.push(...(await childrenOf(repo, next.digest, childrenCache)))
  }
  return reachable
}

async function childrenOf(
  repo: Repository,
  digest: string,
  cache: Map<string, TaggedManifest[]>
): Promise<TaggedManifest[]> {
  const cached = cache.get(digest)
  if (cached) return cached
  const manifest = await getIfPresent(repo, digest)
  const children = manifest?.manifests ?? []
  cache.set(digest, children)
  return children
}

async function getIfPresent(repo: Repository, digest: string): Promise<ManifestLinks | undefined> {
  try {
    const { body } = await repo.getManifest(digest)
    return linksOf(body, digest)
  } catch (error) {
    if (error instanceof RegistryError && error.status === 404) return undefined
    throw error
  }
}

function digestsOf(list: { digest?: unknown }[] | undefined): string[] {
  return (Array.isArray(list) ? list : []).flatMap(m => (typeof m.digest === 'string' ? [m.digest] : []))
}

function linksOf(body: Buffer, digest: string): ManifestLinks {
  const doc = JsonValue.parse(body, `manifest ${digest}`)
  const manifests = doc.field('manifests').optional(list =>
    list.array().map(m => ({
      digest: m.field('digest').string(),
      mediaType: m.field('mediaType').optional(v => v.string()) ?? ''
    }))
  )
  const subject = doc.field('subject').optional(s => s.field('digest').string())
  return { manifests: manifests ?? [], ...(subject ? { subject } : {}) }
}
