/** The registry client's public API (self-contained: no @actions/*, nothing outside src/registry). */
export type {
  BlobSource,
  ClientOptions,
  CredentialResolver,
  Credentials,
  Logger,
  PushBlobResult,
  RequestRecord
} from './types.js'
export { RegistryClient } from './client.js'
export type { Repository } from './repository.js'
export { RegistryError } from './transport/errors.js'
export type { RegistryErrorDetail } from './transport/errors.js'
export { defaultKeychain } from './auth/keychain.js'
export { dockerConfigDir, readDockerConfig, parseDockerConfig } from './auth/docker-config.js'
export type { DockerConfig } from './auth/docker-config.js'
export type { KeychainOptions } from './auth/keychain.js'
export {
  parseReference,
  formatReference,
  InvalidReferenceError,
  splitDomain,
  isValidHost,
  isValidPathComponent
} from './name/reference.js'
export type { Reference } from './name/reference.js'
export { sha256Digest, fileDigest } from './digest.js'
export { readOciLayout, pushLayout } from './layout.js'
export { multiWrite, pushBlobsEarly, settleAll, type EarlyBlobs } from './write.js'
export type {
  BlobToWrite,
  ImageToWrite,
  ManifestBytes,
  WriteOptions,
  WriteReport,
  WrittenImage
} from './write.js'
export { moveTags } from './tags.js'
export type { MovedTag, TagTarget } from './tags.js'
export { referrersTag, nextLink } from './lifecycle.js'
export type { Referrers } from './lifecycle.js'
export type { OciLayout } from './layout.js'
export * from './oci/index.js'
export { DocumentError, JsonValue } from './json.js'
export { compressAndPush, compressAndPushStream, compressToFile } from './compress-push.js'
export type { SizeLimit, StreamPushed } from './compress-push.js'
export type { StreamedBlob } from './upload-stream.js'
export { findKnownLayers } from './known-layers.js'
export type { KnownLayer } from './known-layers.js'
export {
  COMPRESSIONS,
  LAYER_MEDIA_TYPE,
  LEVELS,
  assertCompressionSupported,
  compressionLevel,
  compressStream,
  warmGzipWorkers
} from './compress/index.js'
export type { Compression, CompressionOptions, CompressedBlob } from './compress/index.js'
export {
  EMPTY_DESCRIPTOR,
  OCI_EMPTY,
  SIGSTORE_BUNDLE_PREFIX,
  pushReferrer,
  referrerAnnotations,
  referrerManifest
} from './referrers.js'
export type { PushedReferrer, ReferrerContent, ReferrerManifest } from './referrers.js'
export { addToReferrersTag, mergeReferrersIndex } from './referrers-tag.js'
export type { ReferrersTagOptions } from './referrers-tag.js'
export { PreconditionFailed } from './manifests.js'
export type { PushedManifest, PushManifestOptions } from './manifests.js'
