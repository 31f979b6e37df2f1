import {
  DOCKER_LAYER,
  OCI_LAYER,
  type Compression,
  type Descriptor,
  type RegistryClient,
  type SizeLimit
} from '../registry/index.js'

const GB = 1000 ** 3

export interface LayerLimit {
  registry: string
  /** The largest layer, as pushed (compressed), the registry takes. */
  bytes: number
  name: string
}

/** Per-layer size limits GitHub documents for its registries. */
export function layerLimitOf(registry: string): LayerLimit | undefined {
  if (registry === 'ghcr.io') return { registry, bytes: 10 * GB, name: '10 GB' }
  if (registry === 'docker.pkg.github.com') return { registry, bytes: 5 * GB, name: '5 GB' }
  return undefined
}

/** The smallest limit among the targets' registries: a layer over it cannot go to all of them. */
export function strictestLayerLimit(registries: string[]): LayerLimit | undefined {
  const limits = registries.flatMap(registry => layerLimitOf(registry) ?? [])
  return limits.reduce<LayerLimit | undefined>((min, l) => (min && min.bytes <= l.bytes ? min : l), undefined)
}

/** The strictest limit of the registries of `images` (`host/path`). */
export function targetsLayerLimit(client: RegistryClient, images: string[]): LayerLimit | undefined {
  return strictestLayerLimit(images.map(name => client.repository(name).registry))
}

/** Layers the push compresses (the builder's new layers): their size as pushed is known only then. */
export function isUncompressedLayer(layer: Descriptor): boolean {
  return layer.mediaType === OCI_LAYER || layer.mediaType === DOCKER_LAYER
}

/**
 * Fails before any upload when a layer whose size as pushed is known already (compressed by the
 * builder, or `compression: uncompressed`) is larger than `limit`. The others are checked while they
 * are compressed (see sizeLimitFor): limits apply to the compressed layer.
 */
export function assertLayerSizes(
  limit: LayerLimit | undefined,
  layers: Descriptor[],
  compression: Compression
): void {
  if (!limit) return
  const pushedAsTheyAre =
    compression === 'uncompressed' ? layers : layers.filter(l => !isUncompressedLayer(l))
  const tooLarge = pushedAsTheyAre.filter(layer => layer.size > limit.bytes)
  if (tooLarge.length === 0) return
  const list = tooLarge.map(l => `${l.digest} (${(l.size / GB).toFixed(1)} GB)`).join(', ')
  throw new Error(
    `${limit.registry} accepts layers of at most ${limit.name}; this image has ${list}. ${SPLIT}`
  )
}

/** A layer whose compressed bytes passed its target's limit: the push fails with it, nothing retries. */
export class LayerTooLargeError extends Error {
  override name = 'LayerTooLargeError'
}

/** The limit the compression of `layer` (uncompressed) checks its compressed bytes against. */
export function sizeLimitFor(limit: LayerLimit, layer: Descriptor, compression: Compression): SizeLimit {
  return {
    bytes: limit.bytes,
    exceeded: () =>
      new LayerTooLargeError(
        `${limit.registry} accepts layers of at most ${limit.name}; the layer ${layer.digest} of this image ` +
          `(${(layer.size / GB).toFixed(1)} GB uncompressed) is larger than that compressed with ${compression}: ` +
          `the push was stopped and no tag was written. ${SPLIT}`
      )
  }
}

const SPLIT = 'Split the large layer: copy fewer files per COPY/RUN step, or use a multi-stage build.'
