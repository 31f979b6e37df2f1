import {
  formatPlatform,
  multiWrite,
  pushBlobsEarly,
  type Descriptor,
  type CompressionOptions,
  type Logger,
  type RegistryClient,
  type WriteReport,
  type WrittenImage
} from '../registry/index.js'
import {
  attestationTargets,
  checkWritten,
  storeAttestations,
  type Attest,
  type PublishedAttestation,
  type PushedSubject
} from './attestations.js'
import { compressLayers } from './compress-layers.js'
import type { HeadStart } from './head-start.js'
import type { KnownLayerLookups } from './prefetch.js'
import { readBuiltImages, type LayoutImage } from './layout.js'
import { assertLayerSizes, targetsLayerLimit, type LayerLimit } from './limits.js'
import { annotateManifest, buildIndex, manifestBytes, type SerializedManifest } from './manifests.js'

export interface AnnotationSet {
  manifest: Record<string, string>
  index: Record<string, string>
  manifestDescriptor: Record<string, string>
}

export interface PublishRequest {
  client: RegistryClient
  layoutDir: string
  /** Full image names (`host/path`), repository paths already lowercased. The first is the primary. */
  images: string[]
  /** Tag names to point at the result in every image; empty pushes by digest only. */
  tags: string[]
  annotations: AnnotationSet
  /** Publish an index even when the build produced one platform (more were asked for). */
  forceIndex: boolean
  /** A leg of a multi-runner build: platform manifests by digest only, no index, no tags. */
  byDigest?: boolean
  logger: Logger
  /** Cancels the push: nothing new starts, tags already moved are put back. */
  signal?: AbortSignal
  /** How uncompressed layers of the build are compressed as they upload (default gzip). */
  compression?: CompressionOptions
  /** Base images the build named (FROM lines, builder metadata): their layers are mounted, not uploaded. */
  baseImages?: string[]
  /**
   * Makes the attestations (provenance, SBOM) of what was pushed, once it is in every image by digest
   * and before any tag moves; each is stored as an OCI 1.1 referrer of its subjects. A throw: no tag.
   */
  attest?: Attest
  /** The base-layer lookups, when they were started before the build (see prefetch.ts). */
  lookups?: KnownLayerLookups
  /** Layers compressed while the build handed them over. */
  headStart?: HeadStart
  /** The layer-size limit; by default the strictest of the targets' registries (see limits.ts). */
  layerLimit?: LayerLimit
}

export interface PublishResult {
  /**
   * The registry's digest of what the tags point at: the index, or the single manifest. By digest: the
   * single manifest's, or '' for several platforms (no index is pushed; see platformDigests).
   */
  digest: string
  mediaType: string
  /** Config digest of the first platform. */
  imageId: string
  platformDigests: Record<string, string>
  refs: string[]
  tags: string[]
  /** Per image (as in the request), the tags this run moved and the digests they named before. */
  movedTags: MovedTags[]
  /** The referrers stored by `attest`: one per artifact, subject and image. */
  attestations: PublishedAttestation[]
}

export interface MovedTags {
  image: string
  tags: { tag: string; before?: string }[]
}

/** multiWrite's reports (one per image, in order) as PublishResult.movedTags. */
export function movedTagsOf(images: string[], reports: WriteReport[]): MovedTags[] {
  return images.map((image, i) => ({
    image,
    tags: (reports[i]?.movedTags ?? []).map(m => ({ tag: m.tag, before: m.before }))
  }))
}

interface PreparedImage extends LayoutImage {
  published: SerializedManifest
}

/**
 * Pushes the build's layout to every image through the registry's multiWrite: blobs, then platform
 * manifests by digest, then the index by digest, and only when all of that is in every repository, the
 * tags.
 */
export async function publishLayout(req: PublishRequest): Promise<PublishResult> {
  const built = await readBuiltImages(req.layoutDir)
  const tags = req.byDigest ? [] : req.tags
  const compression = req.compression ?? { compression: 'gzip' }
  const limit = req.layerLimit ?? targetsLayerLimit(req.client, req.images)
  assertLayerSizes(
    limit,
    built.images.flatMap(i => i.layers),
    compression.compression
  )
  // The configs are final already (diff_ids, not compressed digests): they upload while layers compress.
  const configs = uniqueDescriptors(built.images.map(i => i.config))
  const early = pushBlobsEarly(
    req.client,
    req.images,
    configs.map(desc => ({ desc, source: { path: built.blobPath(desc.digest) } }))
  )
  const compressing = compressLayers({
    client: req.client,
    images: req.images,
    tags,
    built,
    compression,
    baseImages: req.baseImages ?? [],
    lookups: req.lookups,
    headStart: req.headStart,
    limit,
    logger: req.logger
  })
  // Nothing is left writing when either fails.
  await Promise.allSettled([compressing, early.results])
  const compressed = await compressing
  const prepared = compressed.images.map(img => ({
    ...img,
    published: annotateManifest(img.manifest, req.annotations.manifest)
  }))
  const root = rootOf(req, prepared)
  const platforms = prepared.filter(p => p.published !== root)
  const attestations: PublishedAttestation[] = []
  const reports = await multiWrite(
    req.client,
    req.images,
    {
      root: root && manifestBytes(root),
      manifests: platforms.length > 0 ? [platforms.map(p => manifestBytes(p.published))] : [],
      blobs: uniqueBlobs(prepared)
        .filter(desc => !compressed.placed.has(desc.digest))
        .map(desc => ({ desc, source: { path: built.blobPath(desc.digest) } }))
    },
    {
      tags,
      logger: req.logger,
      signal: req.signal,
      early,
      beforeTags: attestPhase(req, subjectsOf(root, prepared), attestations)
    }
  )
  const platformDigests = Object.fromEntries(
    prepared.map(p => [formatPlatform(p.platform), p.published.digest])
  )
  const digests = root ? [root.digest] : Object.values(platformDigests)
  return {
    digest: root?.digest ?? '',
    mediaType: root?.mediaType ?? '',
    imageId: firstOf(prepared).config.digest,
    platformDigests,
    refs: req.images.flatMap(name => digests.map(digest => `${name}@${digest}`)),
    tags: req.images.flatMap(name => tags.map(tag => `${name}:${tag}`)),
    movedTags: movedTagsOf(req.images, reports),
    attestations
  }
}

/** The index (when there is one) and every platform manifest, as attestation subjects. */
function subjectsOf(root: SerializedManifest | undefined, prepared: PreparedImage[]): PushedSubject[] {
  const platforms = prepared.map(p => ({ desc: descOf(p.published), platform: formatPlatform(p.platform) }))
  const index = root && !prepared.some(p => p.published === root) ? [{ desc: descOf(root) }] : []
  return [...index, ...platforms]
}

function descOf(m: SerializedManifest): Descriptor {
  return { mediaType: m.mediaType, digest: m.digest, size: m.size }
}

/** multiWrite's beforeTags: stores the attestations of `subjects`, collecting them in `into`. */
export function attestPhase(
  req: { attest?: Attest; images: string[]; logger: Logger; signal?: AbortSignal },
  subjects: PushedSubject[],
  into: PublishedAttestation[],
  /** Manifests already in every image before multiWrite (a merge's platform manifests). */
  present: Descriptor[] = []
): ((written: WrittenImage) => Promise<void>) | undefined {
  const attest = req.attest
  if (!attest) return undefined
  return async written => {
    checkWritten(subjects, { ...written, manifests: [...written.manifests, ...present] })
    const targets = attestationTargets(req.images, written)
    into.push(...(await storeAttestations(attest, targets, subjects, req.logger, req.signal)))
  }
}

/** What the tags point at: the index, or the single manifest; nothing for a leg of several platforms. */
function rootOf(req: PublishRequest, prepared: PreparedImage[]): SerializedManifest | undefined {
  if (req.byDigest) return prepared.length === 1 ? firstOf(prepared).published : undefined
  if (!req.forceIndex && prepared.length === 1) return firstOf(prepared).published
  return buildIndex(
    prepared.map(p => ({ manifest: p.published, platform: p.platform })),
    req.annotations.index,
    req.annotations.manifestDescriptor
  )
}

function uniqueBlobs(images: PreparedImage[]): Descriptor[] {
  return uniqueDescriptors(images.flatMap(img => [img.config, ...img.layers]))
}

function uniqueDescriptors(descs: Descriptor[]): Descriptor[] {
  return [...new Map(descs.map(d => [d.digest, d])).values()]
}

function firstOf<T>(items: T[]): T {
  const first = items[0]
  if (first === undefined) throw new Error('the build produced no image')
  return first
}
