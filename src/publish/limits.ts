import type { Descriptor } from '../registry/index.js'

const GB = 1000 ** 3

/** Per-layer size limits GitHub documents for its registries. */
export function layerLimitOf(registry: string): { bytes: number; name: string } | undefined {
  if (registry === 'ghcr.io') return { bytes: 10 * GB, name: '10 GB' }
  if (registry === 'docker.pkg.github.com') return { bytes: 5 * GB, name: '5 GB' }
  return undefined
}

/** Fails before any upload when a layer is larger than the registry accepts. */
export function assertLayerSizes(registry: string, layers: Descriptor[]): void {
  const limit = layerLimitOf(registry)
  if (!limit) return
  const tooLarge = layers.filter(layer => layer.size > limit.bytes)
  if (tooLarge.length === 0) return
  const list = tooLarge.map(l => `${l.digest} (${(l.size / GB).toFixed(1)} GB)`).join(', ')
  throw new Error(
    `${registry} accepts layers of at most ${limit.name}; this image has ${list}. ` +
      'Split the large layer: copy fewer files per COPY/RUN step, or use a multi-stage build.'
  )
}
