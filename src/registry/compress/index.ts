/**
 * Layer compression for the push: gzip (parallel, deterministic), zstd (where Node's zlib has it) or
 * none. compressStream gives the compressed bytes as a stream and, once it ended, their digest and size.
 */
import { createHash } from 'node:crypto'
import { pipeline, Readable } from 'node:stream'
import * as zlib from 'node:zlib'
import { parallelGzip } from './gzip.js'
import { sharedDeflatePool, type DeflatePool } from './pool.js'

export type Compression = 'gzip' | 'zstd' | 'uncompressed'
export const COMPRESSIONS: readonly Compression[] = ['gzip', 'zstd', 'uncompressed']

export const LAYER_MEDIA_TYPE: Record<Compression, string> = {
  gzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  zstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  uncompressed: 'application/vnd.oci.image.layer.v1.tar'
}

/** The levels each compression accepts, and the one used when none is given. */
export const LEVELS: Record<Compression, { min: number; max: number; default: number }> = {
  gzip: { min: 1, max: 9, default: 6 },
  zstd: { min: 1, max: 19, default: 3 },
  uncompressed: { min: 0, max: 0, default: 0 }
}

export interface CompressionOptions {
  compression: Compression
  level?: number
  /** Defaults to the process-wide pool (one worker per core). */
  pool?: DeflatePool
  blockSize?: number
}

export interface CompressedBlob {
  digest: string
  size: number
  mediaType: string
}

export interface CompressedStream {
  stream: Readable
  /** Settles when the stream ended (or failed). */
  result: Promise<CompressedBlob>
}

type ZstdFactory = (opts: { params: Record<number, number> }) => NodeJS.ReadWriteStream
interface ZlibWithZstd {
  createZstdCompress?: ZstdFactory
  constants: { ZSTD_c_compressionLevel?: number }
}

/** Throws, naming the fix, when this Node cannot produce `compression` (zstd needs Node ≥ 22.15). */
export function assertCompressionSupported(compression: Compression): void {
  if (compression !== 'zstd' || typeof (zlib as unknown as ZlibWithZstd).createZstdCompress === 'function')
    return
  throw new Error(
    `compression: zstd needs Node.js 22.15 or later (zlib.createZstdCompress); this is Node ${process.versions.node}. ` +
      'Use compression: gzip, or run the action on a newer Node'
  )
}

export function compressionLevel(opts: Pick<CompressionOptions, 'compression' | 'level'>): number {
  const range = LEVELS[opts.compression]
  const level = opts.level ?? range.default
  if (!Number.isInteger(level) || level < range.min || level > range.max) {
    throw new Error(
      `compression-level ${level} is out of range for ${opts.compression}: use ${range.min}–${range.max}`
    )
  }
  return level
}

export function compressStream(input: AsyncIterable<Uint8Array>, opts: CompressionOptions): CompressedStream {
  assertCompressionSupported(opts.compression)
  const level = compressionLevel(opts)
  const mediaType = LAYER_MEDIA_TYPE[opts.compression]
  let settle!: { resolve: (blob: CompressedBlob) => void; reject: (error: unknown) => void }
  const result = new Promise<CompressedBlob>((resolve, reject) => (settle = { resolve, reject }))
  result.catch(() => {})
  const chunks = compressedChunks(input, opts, level)
  async function* measured(): AsyncGenerator<Buffer> {
    const hash = createHash('sha256')
    let size = 0
    try {
      for await (const chunk of chunks) {
        hash.update(chunk)
        size += chunk.byteLength
        yield chunk
      }
      settle.resolve({ digest: `sha256:${hash.digest('hex')}`, size, mediaType })
    } catch (error) {
      settle.reject(error)
      throw error
    }
  }
  return { stream: Readable.from(measured(), { objectMode: false }), result }
}

function compressedChunks(
  input: AsyncIterable<Uint8Array>,
  opts: CompressionOptions,
  level: number
): AsyncIterable<Buffer> {
  switch (opts.compression) {
    case 'gzip':
      return parallelGzip(input, { pool: opts.pool ?? sharedDeflatePool(), level, blockSize: opts.blockSize })
    case 'zstd':
      return zstdChunks(input, level)
    case 'uncompressed':
      return asBuffers(input)
  }
}

async function* asBuffers(input: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of input) yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
}

function zstdChunks(input: AsyncIterable<Uint8Array>, level: number): AsyncIterable<Buffer> {
  const z = zlib as unknown as ZlibWithZstd
  const param = z.constants.ZSTD_c_compressionLevel ?? 100
  const compressor = z.createZstdCompress!({ params: { [param]: level } })
  return pipeline(Readable.from(input), compressor, () => {}) as unknown as AsyncIterable<Buffer>
}

/** Starts gzip's deflate workers ahead of the first compression (see DeflatePool.warm); how many run. */
export function warmGzipWorkers(pool: DeflatePool = sharedDeflatePool()): number {
  pool.warm()
  return pool.started
}
