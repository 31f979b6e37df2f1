import { describe, expect, it } from '@jest/globals'
import { assertLayerSizes, layerLimitOf } from '../../../src/publish/limits.js'

const layer = (gb: number) => layerOfBytes(gb * 1000 ** 3)
const layerOfBytes = (size: number) => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: `sha256:${String(size).padStart(64, '0')}`,
  size
})

describe('assertLayerSizes', () => {
  it('knows the limits GitHub documents for its registries, and none elsewhere', () => {
    expect(layerLimitOf('ghcr.io')?.name).toBe('10 GB')
    expect(layerLimitOf('containers.example.com')).toBeUndefined()
    expect(layerLimitOf('docker.pkg.github.com')?.name).toBe('5 GB')
    expect(layerLimitOf('quay.io')).toBeUndefined()
  })
  it('accepts layers up to the limit', () => {
    expect(() => assertLayerSizes('ghcr.io', [layer(1), layer(10)])).not.toThrow()
    expect(() => assertLayerSizes('quay.io', [layer(50)])).not.toThrow()
  })
  it('names each layer over the limit and says how to fix it', () => {
    expect(() => assertLayerSizes('ghcr.io', [layer(1), layer(11)])).toThrow(
      /ghcr\.io accepts layers of at most 10 GB; this image has sha256:0+11000000000 \(11\.0 GB\)\. Split the large layer/
    )
    expect(() => assertLayerSizes('docker.pkg.github.com', [layer(6)])).toThrow(/at most 5 GB/)
  })
  it('draws the line at exactly 10^10 bytes on ghcr.io (GB, not GiB): the limit passes, one byte more fails', () => {
    expect(() => assertLayerSizes('ghcr.io', [layerOfBytes(10_000_000_000)])).not.toThrow()
    expect(() => assertLayerSizes('ghcr.io', [layerOfBytes(10_000_000_001)])).toThrow(
      /ghcr\.io accepts layers of at most 10 GB; this image has sha256:0+10000000001 \(10\.0 GB\)/
    )
  })
  it('draws the line at exactly 5 * 10^9 bytes on docker.pkg.github.com', () => {
    expect(() => assertLayerSizes('docker.pkg.github.com', [layerOfBytes(5_000_000_000)])).not.toThrow()
    expect(() => assertLayerSizes('docker.pkg.github.com', [layerOfBytes(5_000_000_001)])).toThrow(
      /docker\.pkg\.github\.com accepts layers of at most 5 GB/
    )
  })
  it('checks no size on other registries, even on a host that contains ghcr.io', () => {
    expect(() => assertLayerSizes('ghcr.io.example.com', [layerOfBytes(10_000_000_001)])).not.toThrow()
    expect(() => assertLayerSizes('127.0.0.1:5000', [layerOfBytes(50_000_000_000)])).not.toThrow()
  })
})
