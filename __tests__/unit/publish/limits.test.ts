import { describe, expect, it } from '@jest/globals'
import {
  assertLayerSizes,
  layerLimitOf,
  sizeLimitFor,
  strictestLayerLimit,
  type LayerLimit
} from '../../../src/publish/limits.js'

const GZIP_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip'
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar'
const DOCKER_LAYER = 'application/vnd.docker.image.rootfs.diff.tar'

const layer = (gb: number, mediaType = GZIP_LAYER) => layerOfBytes(gb * 1000 ** 3, mediaType)
const layerOfBytes = (size: number, mediaType = GZIP_LAYER) => ({
  mediaType,
  digest: `sha256:${String(size).padStart(64, '0')}`,
  size
})
const ghcr = layerLimitOf('ghcr.io')!
const pkg = layerLimitOf('docker.pkg.github.com')!

describe('layer limits', () => {
  it('knows the limits GitHub documents for its registries, and none elsewhere', () => {
    expect(ghcr).toEqual({ registry: 'ghcr.io', bytes: 10_000_000_000, name: '10 GB' })
    expect(pkg).toEqual({ registry: 'docker.pkg.github.com', bytes: 5_000_000_000, name: '5 GB' })
    expect(layerLimitOf('containers.example.com')).toBeUndefined()
    expect(layerLimitOf('quay.io')).toBeUndefined()
    expect(layerLimitOf('ghcr.io.example.com')).toBeUndefined()
    expect(layerLimitOf('127.0.0.1:5000')).toBeUndefined()
  })
  it('takes the strictest limit of the targets, whatever their order', () => {
    expect(strictestLayerLimit(['quay.io', 'ghcr.io', 'docker.pkg.github.com'])).toEqual(pkg)
    expect(strictestLayerLimit(['docker.pkg.github.com', 'ghcr.io'])).toEqual(pkg)
    expect(strictestLayerLimit(['quay.io', 'ghcr.io'])).toEqual(ghcr)
    expect(strictestLayerLimit(['quay.io', '127.0.0.1:5000'])).toBeUndefined()
  })
})

describe('assertLayerSizes', () => {
  it('accepts layers up to the limit, and anything without one', () => {
    expect(() => assertLayerSizes(ghcr, [layer(1), layer(10)], 'gzip')).not.toThrow()
    expect(() => assertLayerSizes(undefined, [layer(50)], 'gzip')).not.toThrow()
  })
  it('names each layer over the limit and says how to fix it', () => {
    expect(() => assertLayerSizes(ghcr, [layer(1), layer(11)], 'gzip')).toThrow(
      /ghcr\.io accepts layers of at most 10 GB; this image has sha256:0+11000000000 \(11\.0 GB\)\. Split the large layer/
    )
    expect(() => assertLayerSizes(pkg, [layer(6)], 'gzip')).toThrow(/at most 5 GB/)
  })
  it('draws the line at exactly 10^10 bytes on ghcr.io (GB, not GiB): the limit passes, one byte more fails', () => {
    expect(() => assertLayerSizes(ghcr, [layerOfBytes(10_000_000_000)], 'gzip')).not.toThrow()
    expect(() => assertLayerSizes(ghcr, [layerOfBytes(10_000_000_001)], 'gzip')).toThrow(
      /ghcr\.io accepts layers of at most 10 GB; this image has sha256:0+10000000001 \(10\.0 GB\)/
    )
  })
  it('leaves a layer the push compresses to the compression (the limit is on what is pushed)', () => {
    expect(() =>
      assertLayerSizes(ghcr, [layer(12, OCI_LAYER), layer(11, DOCKER_LAYER)], 'gzip')
    ).not.toThrow()
    expect(() => assertLayerSizes(ghcr, [layer(12, OCI_LAYER)], 'zstd')).not.toThrow()
  })
  it('checks every layer when nothing is compressed (`compression: uncompressed`)', () => {
    expect(() => assertLayerSizes(ghcr, [layer(12, OCI_LAYER)], 'uncompressed')).toThrow(
      /at most 10 GB; this image has sha256:0+12000000000 \(12\.0 GB\)/
    )
    expect(() => assertLayerSizes(pkg, [layer(6, DOCKER_LAYER)], 'uncompressed')).toThrow(/at most 5 GB/)
  })
})

describe('sizeLimitFor', () => {
  it("is the registry's limit, and its error names the layer, the registry, the compression and the fix", () => {
    const limit: LayerLimit = ghcr
    const big = layer(12.3, OCI_LAYER)
    const check = sizeLimitFor(limit, big, 'gzip')
    expect(check.bytes).toBe(10_000_000_000)
    expect(check.exceeded().message).toBe(
      `ghcr.io accepts layers of at most 10 GB; the layer ${big.digest} ` +
        'of this image (12.3 GB uncompressed) is larger than that compressed with gzip: the push was stopped and ' +
        'no tag was written. Split the large layer: copy fewer files per COPY/RUN step, or use a multi-stage build.'
    )
  })
})
