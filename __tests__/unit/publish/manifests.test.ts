import { describe, expect, it } from '@jest/globals'
import { annotateManifest, buildIndex, serialize } from '../../../src/publish/manifests.js'
import {
  formatPlatform,
  OCI_INDEX,
  OCI_MANIFEST,
  sha256Digest as sha256
} from '../../../src/registry/index.js'

const layer = {
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: 'sha256:' + 'a'.repeat(64),
  size: 10
}
const config = {
  mediaType: 'application/vnd.oci.image.config.v1+json',
  digest: 'sha256:' + 'b'.repeat(64),
  size: 5
}
const ociManifest = serialize(OCI_MANIFEST, {
  schemaVersion: 2,
  mediaType: OCI_MANIFEST,
  config,
  layers: [layer]
})

describe('annotateManifest', () => {
  it('keeps the exact bytes (and digest) when there is nothing to add', () => {
    expect(annotateManifest(ociManifest, {})).toBe(ociManifest)
  })

  it('merges the annotations and re-digests the new bytes', () => {
    const out = annotateManifest(ociManifest, { 'org.opencontainers.image.description': 'hi' })
    const parsed = JSON.parse(out.body.toString()) as { annotations: Record<string, string> }
    expect(parsed.annotations).toEqual({ 'org.opencontainers.image.description': 'hi' })
    expect(out.digest).toBe(sha256(out.body))
    expect(out.digest).not.toBe(ociManifest.digest)
    expect(out.size).toBe(out.body.length)
  })

  it('turns a Docker v2 manifest into OCI so that it can carry annotations', () => {
    const docker = serialize('application/vnd.docker.distribution.manifest.v2+json', {
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: { ...config, mediaType: 'application/vnd.docker.container.image.v1+json' },
      layers: [{ ...layer, mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' }]
    })
    const out = annotateManifest(docker, { a: 'b' })
    const parsed = JSON.parse(out.body.toString()) as Record<string, unknown>
    expect(out.mediaType).toBe(OCI_MANIFEST)
    expect(parsed).toMatchObject({
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest }],
      annotations: { a: 'b' }
    })
  })
})

describe('buildIndex', () => {
  it('lists each platform manifest and carries the index annotations', () => {
    const arm = annotateManifest(ociManifest, { x: 'arm' })
    const index = buildIndex(
      [
        { manifest: ociManifest, platform: { os: 'linux', architecture: 'amd64' } },
        { manifest: arm, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }
      ],
      { 'org.opencontainers.image.source': 'https://github.com/o/r' }
    )
    const parsed = JSON.parse(index.body.toString()) as Record<string, unknown>
    expect(index.mediaType).toBe(OCI_INDEX)
    expect(parsed).toEqual({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        {
          mediaType: OCI_MANIFEST,
          digest: ociManifest.digest,
          size: ociManifest.size,
          platform: { architecture: 'amd64', os: 'linux' }
        },
        {
          mediaType: OCI_MANIFEST,
          digest: arm.digest,
          size: arm.size,
          platform: { architecture: 'arm64', os: 'linux', variant: 'v8' }
        }
      ],
      annotations: { 'org.opencontainers.image.source': 'https://github.com/o/r' }
    })
    expect(index.digest).toBe(sha256(index.body))
  })

  it('puts manifest-descriptor annotations on the descriptors and omits empty annotations', () => {
    const index = buildIndex(
      [{ manifest: ociManifest, platform: { os: 'linux', architecture: 'amd64' } }],
      {},
      { k: 'v' }
    )
    const parsed = JSON.parse(index.body.toString()) as {
      annotations?: unknown
      manifests: { annotations?: unknown }[]
    }
    expect(parsed.annotations).toBeUndefined()
    expect(parsed.manifests[0]?.annotations).toEqual({ k: 'v' })
  })
})

describe('formatPlatform', () => {
  it('joins os, architecture and variant', () => {
    expect(formatPlatform({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux/arm/v7')
    expect(formatPlatform({ os: 'linux', architecture: 'amd64' })).toBe('linux/amd64')
  })
})
