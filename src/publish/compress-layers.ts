/**
 * The push's one compression pass. The build hands over uncompressed layers; each is either
 *  - already in the registry in compressed form (a base image's layer, or this push's own tag from
 *    before): mounted or found in every target, byte-identical, never compressed again; or
 *  - compressed while it uploads to the first target (spooled to the layout for the others).
 * The manifests are rewritten with the compressed descriptors; the configs' diff_ids stay as they are.
 */
import { rename, rm, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import {
  compressAndPush,
  formatPlatform,
  LAYER_MEDIA_TYPE,
  parseImageManifest,
  parseReference,
  type CompressionOptions,
  type Descriptor,
  type KnownLayer,
  settleAll,
  type RegistryClient
} from '../registry/index.js'
import type { BuiltImages, LayoutImage } from './layout.js'
import { serialize } from './manifests.js'
import { lookUpKnownLayers, type KnownLayerLookups } from './prefetch.js'
import type { HeadStart, HeadStarted } from './head-start.js'
import { isUncompressedLayer, sizeLimitFor, type LayerLimit } from './limits.js'

const BASE_NAME = 'org.opencontainers.image.base.name'

export interface CompressLayersRequest {
  client: RegistryClient
  /** Target images (`host/path`); the first receives the streamed uploads. */
  images: string[]
  tags: string[]
  built: BuiltImages
  compression: CompressionOptions
  /** Base images named by the build (Dockerfile FROM lines, builder metadata). */
  baseImages: string[]
  /** The same lookups, started before the build (see prefetch.ts); the build's own annotations are added. */
  lookups?: KnownLayerLookups
  /** Layers compressed while the build handed them over (see head-start.ts). */
  headStart?: HeadStart
  /** The strictest per-layer limit of the targets: each layer's compressed bytes are checked against it. */
  limit?: LayerLimit
  logger: { info(msg: string): void; debug(msg: string): void }
}

export interface CompressedImages {
  images: LayoutImage[]
  /** Layers already in every target (mounted or found): not for multiWrite, their bytes are not here. */
  placed: Set<string>
}

interface Resolved {
  desc: Descriptor
  /** In every target already (mounted, found, or streamed to the only one). */
  placed: boolean
  /** Compressed by this push (not a layer the registry had). */
  compressed?: boolean
  /** Compressed while the build handed it over. */
  ahead?: boolean
}

export async function compressLayers(req: CompressLayersRequest): Promise<CompressedImages> {
  const layers = uncompressedLayers(req.built.images)
  if (req.compression.compression === 'uncompressed') {
    return { images: req.built.images, placed: new Set() }
  }
  const [base, previous] = await knownLayers(req)
  const wanted = LAYER_MEDIA_TYPE[req.compression.compression]
  const known = (diffId: string): KnownLayer | undefined => {
    const fromPrevious = previous.get(diffId)
    return base.get(diffId) ?? (fromPrevious?.desc.mediaType === wanted ? fromPrevious : undefined)
  }
  const bySize = [...layers].sort((a, b) => b.size - a.size)
  const resolved = new Map<string, Resolved>()
  const placedCompressed = await mountCompressedBaseLayers(req, base)
  await settleStoppingOnFailure(
    bySize.map(layer => async stop => {
      resolved.set(layer.digest, await resolveLayer(req, layer, known(layer.digest), stop))
    }),
    req.client.signal
  )
  const placedUncompressed = [...resolved.values()].filter(r => r.placed)
  const compressedHere = [...resolved.values()].filter(r => r.compressed).length
  const ahead = [...resolved.values()].filter(r => r.ahead).length
  const mountedCompressed = placedCompressed.filter(r => r.placed)
  req.logger.info(
    `${resolved.size} uncompressed layers: ${resolved.size - compressedHere} already in the registry (mounted or found, not recompressed), ` +
      `${compressedHere} compressed (${req.compression.compression}) while uploading to ${req.images[0]}` +
      (ahead > 0 ? ` (${ahead} while the build handed ${ahead === 1 ? 'it' : 'them'} over)` : '') +
      (mountedCompressed.length > 0 ? `; ${mountedCompressed.length} compressed base layers mounted` : '')
  )
  const placed = [...placedUncompressed, ...mountedCompressed]
  return {
    images: req.built.images.map(image => withLayers(image, resolved)),
    placed: new Set(placed.map(r => r.desc.digest))
  }
}

/**
 * Runs the tasks at once; the first to fail stops the others (the signal they get), and every task
 * settles before that failure is thrown: nothing still uploads, or writes a spool into the layout, once
 * the push has failed and the work directory goes.
 */
async function settleStoppingOnFailure(
  tasks: Array<(stop: AbortSignal) => Promise<void>>,
  outer: AbortSignal | undefined
): Promise<void> {
  const failed = new AbortController()
  const stop = outer ? AbortSignal.any([outer, failed.signal]) : failed.signal
  await settleAll(
    tasks.map(task =>
      task(stop).catch((error: unknown) => {
        failed.abort(error)
        throw error
      })
    )
  )
}

/** diffID → compressed layer: of the base images, and of the tag as it was before this push. */
async function knownLayers(
  req: CompressLayersRequest
): Promise<[Map<string, KnownLayer>, Map<string, KnownLayer>]> {
  const platforms = req.built.images.map(i => formatPlatform(i.platform))
  const query = { images: req.images, tags: req.tags, platforms }
  const lookups =
    req.lookups ?? lookUpKnownLayers(req.client, { ...query, baseImages: req.baseImages }, req.logger)
  const annotated = annotatedBases(req.built.images).filter(ref => !lookups.baseRefs.includes(ref))
  const more = lookUpKnownLayers(req.client, { ...query, baseImages: annotated, tags: [] }, req.logger)
  const [base, extra, previous] = await Promise.all([lookups.base, more.base, lookups.previous])
  for (const [diffId, layer] of extra) if (!base.has(diffId)) base.set(diffId, layer)
  return [base, previous]
}

/**
 * Layers the builder kept compressed that are a base image's (BuildKit keeps pulled base layers as they
 * are): mounted from the base repository instead of uploaded.
 */
async function mountCompressedBaseLayers(
  req: CompressLayersRequest,
  base: Map<string, KnownLayer>
): Promise<Resolved[]> {
  const byDigest = new Map([...base.values()].map(k => [k.desc.digest, k]))
  const layers = req.built.images.flatMap(i => i.layers).filter(l => byDigest.has(l.digest))
  const unique = [...new Map(layers.map(l => [l.digest, l])).values()]
  return Promise.all(
    unique.map(async layer => ({
      desc: layer,
      placed: await mountEverywhere(req, byDigest.get(layer.digest)!)
    }))
  )
}

async function resolveLayer(
  req: CompressLayersRequest,
  layer: Descriptor,
  known: KnownLayer | undefined,
  stop: AbortSignal
): Promise<Resolved> {
  if (known && (await mountEverywhere(req, known))) return { desc: known.desc, placed: true }
  const early = await req.headStart?.take(layer.digest)
  if (early && early.uncompressedSize === layer.size) return placeHeadStarted(req, early)
  if (early)
    req.logger.debug(
      `${layer.digest}: compressed ahead from ${early.uncompressedSize} bytes, not ${layer.size}`
    )
  const tarPath = req.built.blobPath(layer.digest)
  const spoolPath = join(dirname(tarPath), `.compressing-${layer.digest.slice('sha256:'.length)}`)
  // One target: the stream is all it needs, no copy for the others (nor a HEAD for it in multiWrite).
  const only = req.images.length === 1
  const desc = await compressAndPush({
    repo: req.client.repository(req.images[0]!),
    tarPath,
    spoolPath,
    spool: !only,
    compression: req.compression,
    logger: req.logger,
    signal: stop,
    limit: req.limit && sizeLimitFor(req.limit, layer, req.compression.compression)
  })
  const target = req.built.blobPath(desc.digest)
  if (only || (await stat(target).catch(() => undefined))) await rm(spoolPath, { force: true })
  else await rename(spoolPath, target)
  return { desc, placed: only, compressed: true }
}

/** A layer compressed ahead is in the first target; its spool goes into the layout for the others. */
async function placeHeadStarted(req: CompressLayersRequest, early: HeadStarted): Promise<Resolved> {
  if (early.spoolPath) {
    const target = req.built.blobPath(early.desc.digest)
    if (await stat(target).catch(() => undefined)) await rm(early.spoolPath, { force: true })
    else await rename(early.spoolPath, target)
  }
  return { desc: early.desc, placed: req.images.length === 1, compressed: true, ahead: true }
}

/** Mounts (or finds) the known layer in every target; false when one of them does not get it. */
async function mountEverywhere(req: CompressLayersRequest, known: KnownLayer): Promise<boolean> {
  const from = parseReference(`${known.repository}:x`).repository
  for (const image of req.images) {
    const outcome = await req.client.repository(image).mountBlob(known.desc, [from])
    if (!outcome) {
      req.logger.debug(
        `${known.desc.digest} could not be mounted from ${known.repository} into ${image}: compressing it`
      )
      return false
    }
  }
  return true
}

function withLayers(image: LayoutImage, resolved: Map<string, Resolved>): LayoutImage {
  if (!image.layers.some(l => resolved.has(l.digest))) return image
  const parsed = parseImageManifest(image.manifest.body, `the built manifest ${image.manifest.digest}`)
  const layers = parsed.layers.map(layer => {
    const r = resolved.get(layer.digest)
    return r ? { ...r.desc, ...(layer.annotations ? { annotations: layer.annotations } : {}) } : layer
  })
  const manifest = serialize(image.manifest.mediaType, { ...parsed, layers })
  return { ...image, manifest, layers }
}

/** Base images the builder recorded in the manifests (buildah: org.opencontainers.image.base.name). */
function annotatedBases(images: LayoutImage[]): string[] {
  return images.flatMap(image => {
    const parsed = parseImageManifest(image.manifest.body, `the built manifest ${image.manifest.digest}`)
    const name = parsed.annotations?.[BASE_NAME]
    return name ? [name] : []
  })
}

function uncompressedLayers(images: LayoutImage[]): Descriptor[] {
  const byDigest = new Map<string, Descriptor>()
  for (const image of images)
    for (const layer of image.layers) if (isUncompressedLayer(layer)) byDigest.set(layer.digest, layer)
  return [...byDigest.values()]
}
