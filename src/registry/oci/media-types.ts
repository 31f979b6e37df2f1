/** The media types of the OCI image-spec and their Docker v2 counterparts, and what kind each names. */
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
export const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar'
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
export const OCI_LAYER_NONDISTRIBUTABLE_GZIP = 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip'
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json'
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json'
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json'
export const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar'
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip'
export const DOCKER_FOREIGN_LAYER_GZIP = 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'

/** Every manifest type, indexes first: the Accept header of a manifest request. */
export const MANIFEST_MEDIA_TYPES = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST]

/** Docker v2 media types and their OCI equivalents (the bytes of the blobs are the same). */
export const DOCKER_TO_OCI: Readonly<Record<string, string>> = {
  [DOCKER_MANIFEST]: OCI_MANIFEST,
  [DOCKER_MANIFEST_LIST]: OCI_INDEX,
  [DOCKER_CONFIG]: OCI_CONFIG,
  [DOCKER_LAYER_GZIP]: OCI_LAYER_GZIP,
  [DOCKER_LAYER]: OCI_LAYER,
  [DOCKER_FOREIGN_LAYER_GZIP]: OCI_LAYER_NONDISTRIBUTABLE_GZIP
}

/** An image index (OCI) or manifest list (Docker). */
export function isIndex(mediaType: string): boolean {
  return mediaType === OCI_INDEX || mediaType === DOCKER_MANIFEST_LIST
}

/** An image manifest (OCI or Docker v2). */
export function isImage(mediaType: string): boolean {
  return mediaType === OCI_MANIFEST || mediaType === DOCKER_MANIFEST
}

/** Any manifest: an index or an image manifest. */
export function isManifest(mediaType: string): boolean {
  return isIndex(mediaType) || isImage(mediaType)
}

/** The config of a container image (not an artifact's). */
export function isImageConfig(mediaType: string): boolean {
  return mediaType === OCI_CONFIG || mediaType === DOCKER_CONFIG
}

/** Whether a registry may be sent the blob: not a foreign / non-distributable layer (deprecated by the image-spec). */
export function isDistributable(mediaType: string): boolean {
  return !mediaType.includes('nondistributable') && !mediaType.includes('.foreign.')
}

/** `application/json; charset=utf-8` → `application/json`. */
export function baseMediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase()
}
