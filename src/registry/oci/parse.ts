/**
 * Validating parsers of the OCI documents read from registries and layouts. Each checks the fields this
 * code relies on and returns the document with every other field kept; a wrong document throws a
 * DocumentError that names it and the field.
 */
import { isDigest } from '../digest.js'
import { JsonValue } from '../json.js'
import type {
  Descriptor,
  DockerArchiveEntry,
  ImageConfig,
  ImageIndex,
  ImageManifest,
  LayoutMarker,
  Platform
} from './types.js'

export function parseImageManifest(bytes: Uint8Array | string, document: string): ImageManifest {
  const doc = checkManifestFields(JsonValue.parse(bytes, document))
  checkDescriptor(doc.field('config'))
  doc.field('layers').array().forEach(checkDescriptor)
  return doc.value as ImageManifest
}

export function parseImageIndex(bytes: Uint8Array | string, document: string): ImageIndex {
  const doc = checkManifestFields(JsonValue.parse(bytes, document))
  doc.field('manifests').array().forEach(checkDescriptor)
  return doc.value as ImageIndex
}

export function parseImageConfig(bytes: Uint8Array | string, document: string): ImageConfig {
  const doc = JsonValue.parse(bytes, document)
  for (const key of ['os', 'architecture', 'variant']) doc.field(key).optional(v => v.string())
  doc.field('config').optional(config => config.field('Labels').optional(v => v.stringMap()))
  doc
    .field('rootfs')
    .optional(rootfs => rootfs.field('diff_ids').optional(ids => ids.array().forEach(id => id.string())))
  return doc.value as ImageConfig
}

export function parseLayoutMarker(bytes: Uint8Array | string, document: string): LayoutMarker {
  const doc = JsonValue.parse(bytes, document)
  const version = doc.field('imageLayoutVersion')
  if (version.string() !== '1.0.0') version.fail(`is ${version.value as string}; only 1.0.0 is supported`)
  return doc.value as LayoutMarker
}

/** A `docker save` archive's manifest.json: one entry per image. */
export function parseDockerArchiveManifest(
  bytes: Uint8Array | string,
  document: string
): DockerArchiveEntry[] {
  const doc = JsonValue.parse(bytes, document)
  for (const entry of doc.array()) {
    entry.field('Config').string()
    entry
      .field('Layers')
      .array()
      .forEach(layer => layer.string())
  }
  return doc.value as DockerArchiveEntry[]
}

/** The `mediaType` a manifest declares, or undefined when it declares none or is not JSON. */
export function declaredMediaType(bytes: Uint8Array | string): string | undefined {
  try {
    const mediaType = JsonValue.parse(bytes, 'manifest').field('mediaType').value
    return typeof mediaType === 'string' && mediaType ? mediaType : undefined
  } catch {
    return undefined
  }
}

/** The fields image manifests and indexes share: schemaVersion 2, mediaType, subject, annotations. */
function checkManifestFields(doc: JsonValue): JsonValue {
  const version = doc.field('schemaVersion')
  if (version.number() !== 2) version.fail(`is ${String(version.value)}; only 2 is supported`)
  doc.field('mediaType').optional(v => v.string())
  doc.field('artifactType').optional(v => v.string())
  doc.field('subject').optional(checkDescriptor)
  doc.field('annotations').optional(v => v.stringMap())
  return doc
}

function checkDescriptor(desc: JsonValue): Descriptor {
  desc.field('mediaType').string()
  const digest = desc.field('digest')
  if (!isDigest(digest.string())) digest.fail(`is not a digest (sha256:<64 hex>): ${digest.value as string}`)
  const size = desc.field('size')
  if (!Number.isSafeInteger(size.number()) || (size.value as number) < 0) size.fail('must be a size in bytes')
  desc.field('annotations').optional(v => v.stringMap())
  desc.field('platform').optional(checkPlatform)
  desc.field('artifactType').optional(v => v.string())
  return desc.value as Descriptor
}

function checkPlatform(platform: JsonValue): Platform {
  platform.field('os').string()
  platform.field('architecture').string()
  platform.field('variant').optional(v => v.string())
  platform.field('os.version').optional(v => v.string())
  platform.field('os.features').optional(v => v.array().forEach(f => f.string()))
  return platform.value as Platform
}
