import { describe, expect, it } from '@jest/globals'
import { assertLayerSizes, layerLimitOf } from '../../../src/publish/limits.js'

const layer = (gb: number) => ({
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  digest: `sha256:${String(gb).padStart(64, '0')}`,
  size: gb * 1000 ** 3
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
      /ghcr\.io accepts layers of at most 10 GB; this image has sha256:0+11 \(11\.0 GB\)\. Split the large layer/
    )
    expect(() => assertLayerSizes('docker.pkg.github.com', [layer(6)])).toThrow(/at most 5 GB/)
  })
})
