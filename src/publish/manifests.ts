import {
  DOCKER_MANIFEST,
  OCI_INDEX,
  OCI_MANIFEST,
  sha256Digest,
  type ManifestBytes
} from '../registry/index.js'

/** Pure construction of the manifests the publish stage writes. */

export { OCI_INDEX, OCI_MANIFEST }

/** Docker v2 media types and their OCI equivalents (the bytes of the blobs are the same). */
const DOCKER_TO_OCI: Record<string, string> = {
  [DOCKER_MANIFEST]: OCI_MANIFEST,
  'application/vnd.docker.container.image.v1+json': 'application/vnd.oci.image.config.v1+json',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.docker.image.rootfs.diff.tar': 'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip':
    'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'
}

export interface PlatformSpec {
  os: string
  architecture: string
  variant?: string
}

export interface BlobDescriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
  platform?: PlatformSpec
}

export interface ImageManifest {
  schemaVersion: 2
  mediaType?: string
  config: BlobDescriptor
  layers: BlobDescriptor[]
  annotations?: Record<string, string>
  [key: string]: unknown
}

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

function toOci(desc: BlobDescriptor): BlobDescriptor {
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
  const manifest = JSON.parse(original.body.toString('utf8')) as ImageManifest
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
  platform: PlatformSpec
}

/** An OCI image index over the platform manifests; `annotations` is where GHCR reads the description. */
export function buildIndex(
  children: IndexChild[],
  annotations: Record<string, string>,
  descriptorAnnotations: Record<string, string> = {}
): SerializedManifest {
  const manifests = children.map(({ manifest, platform }) => {
    const desc: BlobDescriptor = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size,
      platform: cleanPlatform(platform)
    }
    if (Object.keys(descriptorAnnotations).length > 0) desc.annotations = { ...descriptorAnnotations }
    return desc
  })
  const index: Record<string, unknown> = { schemaVersion: 2, mediaType: OCI_INDEX, manifests }
  if (Object.keys(annotations).length > 0) index.annotations = { ...annotations }
  return serialize(OCI_INDEX, index)
}

function cleanPlatform(p: PlatformSpec): PlatformSpec {
  const out: PlatformSpec = { architecture: p.architecture, os: p.os }
  if (p.variant) out.variant = p.variant
  return out
}
