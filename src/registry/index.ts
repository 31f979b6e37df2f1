/** The registry client's public API (self-contained: no @actions/*, nothing outside src/registry). */
export type {
  BlobSource,
  ClientOptions,
  CredentialResolver,
  Credentials,
  Descriptor,
  Logger,
  Platform,
  PushBlobResult,
  RequestRecord
} from './types.js'
export { RegistryClient } from './client.js'
export type { Repository } from './repository.js'
export { RegistryError } from './transport/errors.js'
export type { RegistryErrorDetail } from './transport/errors.js'
export { defaultKeychain } from './auth/keychain.js'
export type { KeychainOptions } from './auth/keychain.js'
export { parseReference, formatReference, ReferenceError } from './name/reference.js'
export type { Reference } from './name/reference.js'
export { sha256Digest, fileDigest } from './digest.js'
export { readOciLayout, pushLayout } from './layout.js'
export { multiWrite, settleAll } from './write.js'
export type { BlobToWrite, ImageToWrite, ManifestBytes, WriteOptions, WriteReport } from './write.js'
export { moveTags } from './tags.js'
export type { TagTarget } from './tags.js'
export type { OciLayout, ImageIndex } from './layout.js'
export {
  OCI_INDEX,
  OCI_MANIFEST,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  MANIFEST_MEDIA_TYPES
} from './oci/media-types.js'
export { compressAndPush, compressToFile } from './compress-push.js'
export { findKnownLayers } from './known-layers.js'
export type { KnownLayer } from './known-layers.js'
export {
  COMPRESSIONS,
  LAYER_MEDIA_TYPE,
  LEVELS,
  assertCompressionSupported,
  compressionLevel,
  compressStream
} from './compress/index.js'
export type { Compression, CompressionOptions, CompressedBlob } from './compress/index.js'
