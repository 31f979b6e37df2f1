/** OCI image layouts on disk, and pushing one: blobs, then child manifests, then the index, tags last. */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Descriptor } from './oci/types.js'
import type { RegistryClient } from './client.js'
import { multiWrite } from './write.js'
import { assertDigest, digestLike, sha256Digest } from './digest.js'
import { OCI_INDEX, isDistributable, isIndex, isManifest } from './oci/media-types.js'
import { declaredMediaType, parseImageIndex, parseImageManifest, parseLayoutMarker } from './oci/parse.js'
import type { ImageIndex } from './oci/types.js'
import { parseReference } from './name/reference.js'

export interface OciLayout {
  dir: string
  index: ImageIndex
  /** The exact bytes of index.json. */
  indexBytes: Buffer
  blobPath: (digest: string) => string
  /** Reads a blob and checks its digest. */
  readBlob: (digest: string) => Promise<Buffer>
}

export async function readOciLayout(dir: string): Promise<OciLayout> {
  const marker = await readFile(join(dir, 'oci-layout'), 'utf8').catch(cause => {
    throw new Error(`${dir} is not an OCI image layout (no oci-layout file)`, { cause })
  })
  parseLayoutMarker(marker, join(dir, 'oci-layout'))
  const indexBytes = await readFile(join(dir, 'index.json'))
  const index = parseImageIndex(indexBytes, join(dir, 'index.json'))
  const blobPath = (digest: string): string => {
    const [algorithm, hex] = assertDigest(digest).split(':')
    return join(dir, 'blobs', algorithm!, hex!)
  }
  const readBlob = async (digest: string): Promise<Buffer> => {
    const data = await readFile(blobPath(digest))
    const actual = digestLike(digest, data)
    if (actual !== digest) throw new Error(`${blobPath(digest)} has digest ${actual}`)
    return data
  }
  return { dir, index, indexBytes, blobPath, readBlob }
}

interface ManifestToPush {
  desc: Descriptor
  body: Buffer
  /** 0 for image manifests, 1 + the deepest child for indexes: push by increasing height. */
  height: number
}

interface PushPlan {
  blobs: Map<string, Descriptor>
  manifests: Map<string, ManifestToPush>
}

/**
 * Pushes the layout's image (the single entry of index.json, or index.json itself when it lists several)
 * to `target` (`host/path[:tag][@digest]`) through multiWrite: no tag is written before everything it
 * points at is there.
 */
export async function pushLayout(
  client: RegistryClient,
  layoutDir: string,
  target: string,
  opts: { tags?: string[]; signal?: AbortSignal } = {}
): Promise<{ digest: string }> {
  const ref = parseReference(target)
  const layout = await readOciLayout(layoutDir)
  const root = await rootOf(layout)
  if (ref.digest && ref.digest !== root.desc.digest) {
    throw new Error(`${target} names ${ref.digest}, but the layout holds ${root.desc.digest}`)
  }
  const plan: PushPlan = { blobs: new Map(), manifests: new Map() }
  await collectChildren(layout, root, plan)
  const tags = [ref.tag, ...(opts.tags ?? [])].filter((t): t is string => Boolean(t))
  await multiWrite(
    client,
    [`${ref.registry}/${ref.repository}`],
    {
      root,
      manifests: byHeight([...plan.manifests.values()]),
      blobs: [...plan.blobs.values()].map(desc => ({ desc, source: { path: layout.blobPath(desc.digest) } }))
    },
    { tags, signal: opts.signal }
  )
  return { digest: root.desc.digest }
}

async function rootOf(layout: OciLayout): Promise<ManifestToPush> {
  const [only, ...others] = layout.index.manifests
  if (only && others.length === 0) return loadManifest(layout, only)
  const body = layout.indexBytes
  return { desc: { mediaType: OCI_INDEX, digest: sha256Digest(body), size: body.length }, body, height: 1 }
}

async function loadManifest(layout: OciLayout, desc: Descriptor): Promise<ManifestToPush> {
  const body = await layout.readBlob(desc.digest)
  const mediaType = desc.mediaType || declaredMediaType(body) || ''
  return { desc: { ...desc, mediaType }, body, height: 0 }
}

/** Walks the manifests under `node`, collecting blobs and child manifests; returns the node's height. */
async function collectChildren(layout: OciLayout, node: ManifestToPush, plan: PushPlan): Promise<number> {
  const document = `${layout.dir}: manifest ${node.desc.digest}`
  if (!isIndex(node.desc.mediaType)) {
    const image = parseImageManifest(node.body, document)
    for (const blob of [image.config, ...image.layers]) {
      if (isDistributable(blob.mediaType)) plan.blobs.set(blob.digest, blob)
    }
    return 0
  }
  let height = 1
  for (const child of parseImageIndex(node.body, document).manifests) {
    if (!isManifest(child.mediaType)) {
      plan.blobs.set(child.digest, child)
      continue
    }
    const known = plan.manifests.get(child.digest)
    const loaded = known ?? (await loadManifest(layout, child))
    loaded.height = known ? known.height : await collectChildren(layout, loaded, plan)
    plan.manifests.set(child.digest, loaded)
    height = Math.max(height, loaded.height + 1)
  }
  node.height = height
  return height
}

function byHeight(manifests: ManifestToPush[]): ManifestToPush[][] {
  const heights = [...new Set(manifests.map(m => m.height))].sort((a, b) => a - b)
  return heights.map(height => manifests.filter(m => m.height === height))
}
