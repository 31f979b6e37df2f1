import {
  DOCKER_TO_OCI,
  OCI_INDEX,
  OCI_MANIFEST,
  parseImageManifest,
  platformOnly,
  sha256Digest,
  type Descriptor,
  type ImageManifest,
  type ManifestBytes,
  type Platform
} from '../registry/index.js'

/** Pure construction of the manifests the publish stage writes. */

/** A manifest ready to push: its exact bytes and their digest. */
export interface SerializedManifest {
  mediaType: string
  body: Buffer
  digest: string
  size: number
}

/** The shape the registry's multiWrite takes. */
export function manifestBytes(m: SerializedManifest): ManifestBytes {
  return { desc: { mediaType: m.mediaType, digest: m.digest, size: m.size }, body: m.body }
}

export function serialize(mediaType: string, value: unknown): SerializedManifest {
  const body = Buffer.from(JSON.stringify(value))
  return { mediaType, body, digest: sha256Digest(body), size: body.length }
}

function toOci(desc: Descriptor): Descriptor {
  return { ...desc, mediaType: DOCKER_TO_OCI[desc.mediaType] ?? desc.mediaType }
}

/**
 * The image manifest as we publish it: OCI media types (Docker v2 manifests cannot carry annotations)
 * and the manifest-level annotations merged over the builder's own. Returns the input bytes untouched
 * when nothing changes, so the builder's digest is kept.
 */
export function annotateManifest(
  original: SerializedManifest,
  annotations: Record<string, string>
): SerializedManifest {
  const hasAnnotations = Object.keys(annotations).length > 0
  if (!hasAnnotations && original.mediaType === OCI_MANIFEST) return original
  const manifest = parseImageManifest(original.body, `manifest ${original.digest}`)
  const merged = { ...(manifest.annotations ?? {}), ...annotations }
  const next: ImageManifest = {
    ...manifest,
    mediaType: OCI_MANIFEST,
    config: toOci(manifest.config),
    layers: manifest.layers.map(toOci)
  }
  if (Object.keys(merged).length > 0) next.annotations = merged
  return serialize(OCI_MANIFEST, next)
}

export interface IndexChild {
  manifest: SerializedManifest
  platform: Platform
}

/** An OCI image index over the platform manifests; `annotations` is where GHCR reads the description. */
export function buildIndex(
  children: IndexChild[],
  annotations: Record<string, string>,
  descriptorAnnotations: Record<string, string> = {}
): SerializedManifest {
  const manifests = children.map(({ manifest, platform }) => {
    const desc: Descriptor = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      platform: platformOnly(platform)
    }
    if (Object.keys(descriptorAnnotations).length > 0) desc.annotations = { ...descriptorAnnotations }
    return desc
  })
  const index: Record<string, unknown> = { schemaVersion: 2, mediaType: OCI_INDEX, manifests }
  if (Object.keys(annotations).length > 0) index.annotations = { ...annotations }
  return serialize(OCI_INDEX, index)
}
