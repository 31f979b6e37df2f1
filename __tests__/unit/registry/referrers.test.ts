import { describe, expect, it } from '@jest/globals'
import {
  EMPTY_DESCRIPTOR,
  mergeReferrersIndex,
  referrerAnnotations,
  referrerManifest,
  sha256Digest,
  type Descriptor
} from '../../../src/registry/index.js'

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json'

const entry = (n: number): Descriptor => ({
  mediaType: OCI_MANIFEST,
  digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
  size: 100 + n,
  artifactType: BUNDLE,
  annotations: { 'org.opencontainers.image.created': '2026-12-02T00:00:00Z' }
})
const json = (b: Uint8Array | 'listed') => {
  if (b === 'listed') throw new Error('expected a new index')
  return JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown> & { manifests: Descriptor[] }
}
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v))

describe('mergeReferrersIndex', () => {
  it('starts an OCI index when there is no tag yet', () => {
    expect(json(mergeReferrersIndex(undefined, entry(1)))).toEqual({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [entry(1)]
    })
  })

  it('appends to the entries other writers listed, keeping them and the index fields as they were', () => {
    const current = bytes({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [entry(1), entry(2)],
      annotations: { kept: 'yes' }
    })
    const merged = json(mergeReferrersIndex(current, entry(3)))
    expect(merged.manifests).toEqual([entry(1), entry(2), entry(3)])
    expect(merged.annotations).toEqual({ kept: 'yes' })
  })

  it('is a no-op when the entry is listed (by digest)', () => {
    const current = bytes({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [entry(1), entry(2)] })
    expect(mergeReferrersIndex(current, { ...entry(2), annotations: {} })).toBe('listed')
  })

  it('adds mediaType to an index that has none (tolerated on read)', () => {
    const merged = json(mergeReferrersIndex(bytes({ schemaVersion: 2, manifests: [] }), entry(1)))
    expect(merged.mediaType).toBe(OCI_INDEX)
  })

  it('refuses to overwrite a tag that names something else than an index', () => {
    const other = bytes({ schemaVersion: 2, mediaType: OCI_MANIFEST, manifests: [] })
    expect(() => mergeReferrersIndex(other, entry(1))).toThrow(/not an OCI index; another tool/)
  })
})

describe('referrerManifest', () => {
  const subject = {
    mediaType: OCI_INDEX,
    digest: sha256Digest(new Uint8Array([1])),
    size: 321,
    platform: { os: 'linux', architecture: 'amd64' }
  }
  const content = new TextEncoder().encode('{"bundle":1}')

  it('is an artifact manifest: artifactType, the empty config, one layer, subject without extra fields', () => {
    const made = referrerManifest(subject, {
      mediaType: BUNDLE,
      content,
      predicateType: 'https://slsa.dev/provenance/v1',
      created: '2026-12-02T07:00:00Z'
    })
    const manifest = JSON.parse(new TextDecoder().decode(made.body)) as Record<string, unknown>
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: BUNDLE,
      config: EMPTY_DESCRIPTOR,
      layers: [{ mediaType: BUNDLE, digest: sha256Digest(content), size: content.length }],
      subject: { mediaType: OCI_INDEX, digest: subject.digest, size: 321 },
      annotations: {
        'org.opencontainers.image.created': '2026-12-02T07:00:00Z',
        'dev.sigstore.bundle.content': 'dsse-envelope',
        'dev.sigstore.bundle.predicateType': 'https://slsa.dev/provenance/v1'
      }
    })
    expect(made.desc).toEqual({
      mediaType: OCI_MANIFEST,
      digest: sha256Digest(made.body),
      size: made.body.length,
      artifactType: BUNDLE,
      annotations: manifest.annotations
    })
    expect(EMPTY_DESCRIPTOR.digest).toBe(sha256Digest(new TextEncoder().encode('{}')))
  })

  it('annotates a bare in-toto statement with the creation time only', () => {
    const annotations = referrerAnnotations({
      mediaType: 'application/vnd.in-toto+json',
      content,
      predicateType: 'https://slsa.dev/provenance/v1',
      created: 'x'
    })
    expect(annotations).toEqual({ 'org.opencontainers.image.created': 'x' })
  })
})
