import { describe, expect, it } from '@jest/globals'
import * as zlib from 'node:zlib'
import { parseCompression } from '../../../src/inputs/compression.js'

describe('parseCompression', () => {
  it('defaults to gzip at its default level, and takes a level in range', () => {
    expect(parseCompression('', '')).toEqual({ compression: 'gzip' })
    expect(parseCompression('GZIP', '9')).toEqual({ compression: 'gzip', compressionLevel: 9 })
    expect(parseCompression('uncompressed', '')).toEqual({ compression: 'uncompressed' })
  })

  it('names the input and the allowed values', () => {
    expect(() => parseCompression('brotli', '')).toThrow(
      "input 'compression': 'brotli' is not one of gzip, zstd, uncompressed"
    )
    expect(() => parseCompression('gzip', '0')).toThrow(
      "input 'compression-level': '0' is not a level: use 1–9 for gzip"
    )
    expect(() => parseCompression('gzip', 'fast')).toThrow('use 1–9 for gzip')
    expect(() => parseCompression('uncompressed', '3')).toThrow('leave it empty for uncompressed')
  })

  const hasZstd = 'createZstdCompress' in zlib
  ;(hasZstd ? it.skip : it)('fails zstd on a Node without it, naming the fix', () => {
    expect(() => parseCompression('zstd', '')).toThrow(/input 'compression': .*Node.js 22.15 or later/)
  })
})
