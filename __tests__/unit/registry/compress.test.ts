import { afterAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buffer } from 'node:stream/consumers'
import * as zlib from 'node:zlib'
import { crc32, gunzipSync, inflateRawSync } from 'node:zlib'
import { crc32Combine } from '../../../src/registry/compress/crc32.js'
import { reblock } from '../../../src/registry/compress/gzip.js'
import {
  assertCompressionSupported,
  compressionLevel,
  compressStream,
  warmGzipWorkers,
  type CompressionOptions
} from '../../../src/registry/compress/index.js'
import { DeflatePool, type DeflatedBlock } from '../../../src/registry/compress/pool.js'

const pool = new DeflatePool(2)
afterAll(() => pool.close())

async function* chunksOf(data: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size)
}

async function compress(data: Buffer, opts: Partial<CompressionOptions> = {}) {
  const { stream, result } = compressStream(chunksOf(data), {
    compression: 'gzip',
    pool,
    blockSize: 64 * 1024,
    ...opts
  })
  const bytes = await buffer(stream)
  return { bytes, ...(await result) }
}

/** Text-like data that compresses, with repeats across block boundaries. */
function compressible(size: number): Buffer {
  const words = ['layer', 'blob', 'manifest', 'registry', 'digest', '\n', 'tar', 'gzip']
  let s = ''
  for (let i = 0; s.length < size; i++) s += words[(i * 7 + (i >> 3)) % words.length] + ' '
  return Buffer.from(s.slice(0, size))
}

describe('crc32Combine', () => {
  it('gives the CRC of the concatenation', () => {
    const a = randomBytes(1000)
    const b = randomBytes(77777)
    expect(crc32Combine(crc32(a), crc32(b), b.length)).toBe(crc32(Buffer.concat([a, b])))
  })

  it('leaves the first CRC alone for an empty second part, and works from an empty first part', () => {
    const a = randomBytes(10)
    expect(crc32Combine(crc32(a), 0, 0)).toBe(crc32(a))
    expect(crc32Combine(0, crc32(a), a.length)).toBe(crc32(a))
  })
})

describe('the deflate workers', () => {
  it('store a block whose start and middle do not compress, and deflate one that does', async () => {
    const level = 6
    const random = await pool.deflate({ data: randomBytes(1024 * 1024), level, last: true })
    expect(random.stored).toBe(true)
    const text = await pool.deflate({ data: new Uint8Array(compressible(1024 * 1024)), level, last: true })
    expect(text.stored).toBe(false)
    // Random at the start only: the middle compresses, so the block is searched.
    const mixed = Buffer.concat([randomBytes(512 * 1024), compressible(512 * 1024)])
    expect((await pool.deflate({ data: new Uint8Array(mixed), level, last: true })).stored).toBe(false)
    // Too small to sample: deflated.
    expect((await pool.deflate({ data: randomBytes(100_000), level, last: true })).stored).toBe(false)
  })
})

describe('warming the deflate pool', () => {
  it('starts every worker before any block, idle, and then deflates with them', async () => {
    const warm = new DeflatePool(3)
    try {
      expect(warm.started).toBe(0)
      expect(warmGzipWorkers(warm)).toBe(3)
      warmGzipWorkers(warm)
      expect(warm.started).toBe(3)
      const block = await warm.deflate({ data: new Uint8Array(compressible(200_000)), level: 6, last: true })
      expect(inflateRawSync(block.out).equals(compressible(200_000))).toBe(true)
      expect(warm.started).toBe(3)
    } finally {
      await warm.close()
    }
  })

  it("leaves idle workers unref'd: they do not keep the process alive", async () => {
    const ports = () => process.getActiveResourcesInfo().filter(r => r === 'MessagePort').length
    const before = ports()
    const warm = new DeflatePool(2)
    try {
      warm.warm()
      expect(ports()).toBe(before)
      const block = warm.deflate({ data: new Uint8Array(compressible(1000)), level: 6, last: true })
      // A worker with a block in flight is ref'd (and counted here): the count can see it.
      expect(ports()).toBe(before + 1)
      await block
      expect(ports()).toBe(before)
    } finally {
      await warm.close()
    }
  })
})

describe('a deflate worker that dies', () => {
  // Answers like the real worker, but throws (uncaught: the worker dies) on a level-9 block.
  const FRAGILE = `
const { parentPort } = require('node:worker_threads')
parentPort.on('message', ({ id, level }) => {
  if (level === 9) throw new Error('boom')
  parentPort.postMessage({ id, out: new Uint8Array([1]), crc: 7, stored: false })
})`

  it('fails its block, and a new worker takes the blocks queued behind it', async () => {
    const fragile = new DeflatePool(1, FRAGILE)
    try {
      const data = () => new Uint8Array(compressible(100))
      const dying = fragile.deflate({ data: data(), level: 9, last: false })
      const queued = fragile.deflate({ data: data(), level: 6, last: true })
      await expect(dying).rejects.toThrow('a deflate worker thread failed')
      await expect(queued).resolves.toEqual({ out: new Uint8Array([1]), crc: 7, stored: false })
      expect(fragile.started).toBe(1)
    } finally {
      await fragile.close()
    }
  })
})

describe('a block that fails while an earlier one is still deflating', () => {
  // jest fails a test in which a rejection goes unhandled, even for a moment; in the action that kills
  // the process (Node's default), before the push can fail cleanly.
  it('fails the compression, and no rejection goes unhandled', async () => {
    let blocks = 0
    const failure = new Error('a deflate worker thread failed')
    // Block 0 answers after 300 ms; block 1 fails at once, while the compression waits for block 0.
    const slowThenFailing = Object.assign(Object.create(DeflatePool.prototype) as DeflatePool, {
      size: 2,
      deflate: (): Promise<DeflatedBlock> => {
        const n = blocks++
        if (n === 1) return Promise.reject(failure)
        const block = { out: new Uint8Array([3, 0]), crc: 0, stored: false }
        return new Promise(resolve => setTimeout(() => resolve(block), n === 0 ? 300 : 0))
      }
    })
    const { stream } = compressStream(chunksOf(randomBytes(3 * 64 * 1024)), {
      compression: 'gzip',
      pool: slowThenFailing,
      blockSize: 64 * 1024
    })
    await expect(buffer(stream)).rejects.toBe(failure)
    expect(blocks).toBe(3)
  })
})

describe('a deflate worker that cannot be started or handed a block', () => {
  // Without their fixes these hang (a block never settles): a time limit makes that a failure.
  it('warm() does not throw, and a block that needs the worker fails', async () => {
    const unstartable = new DeflatePool(1, 42 as unknown as string) // new Worker() throws at once
    try {
      expect(() => unstartable.warm()).not.toThrow()
      expect(unstartable.started).toBe(0)
      const block = unstartable.deflate({ data: new Uint8Array(compressible(100)), level: 6, last: true })
      await expect(block).rejects.toThrow(/cannot start a deflate worker thread|must be of type string/)
    } finally {
      await unstartable.close()
    }
  }, 10000)

  it('a block queued behind a dying worker fails when no new worker can start (no uncaught exception)', async () => {
    const FRAGILE = `
const { parentPort } = require('node:worker_threads')
parentPort.on('message', () => { throw new Error('boom') })`
    const fragile = new DeflatePool(1, FRAGILE)
    try {
      const dying = fragile.deflate({ data: new Uint8Array(compressible(100)), level: 6, last: false })
      // From now on no worker can be started.
      Object.assign(fragile, { source: 42 })
      const queued = fragile.deflate({ data: new Uint8Array(compressible(100)), level: 6, last: true })
      await expect(dying).rejects.toThrow('a deflate worker thread failed')
      await expect(queued).rejects.toThrow('cannot start a deflate worker thread')
    } finally {
      await fragile.close()
    }
  }, 10000)

  it('a block that cannot be sent to a free worker fails alone; the worker takes the next', async () => {
    const single = new DeflatePool(1)
    try {
      const first = single.deflate({ data: new Uint8Array(compressible(200_000)), level: 9, last: false })
      const buffer = new ArrayBuffer(64)
      const detached = new Uint8Array(buffer)
      structuredClone(buffer, { transfer: [buffer] })
      // Queued behind the first: it is sent from the worker's "done" listener.
      const unsendable = single.deflate({ data: detached, level: 6, last: false })
      const next = single.deflate({ data: new Uint8Array(compressible(100)), level: 6, last: true })
      await expect(first).resolves.toMatchObject({ stored: false })
      await expect(unsendable).rejects.toThrow('cannot hand a block to a deflate worker thread')
      await expect(next).resolves.toMatchObject({ stored: false })
    } finally {
      await single.close()
    }
  }, 10000)
})

describe('reblock', () => {
  it('cuts any chunking into blocks of exactly the size, the last shorter', async () => {
    const data = randomBytes(10 * 1000 + 3)
    const blocks: Uint8Array[] = []
    for await (const b of reblock(chunksOf(data, 777), 1000)) blocks.push(b)
    expect(blocks.map(b => b.byteLength)).toEqual([...Array(10).fill(1000), 3])
    expect(Buffer.concat(blocks)).toEqual(data)
  })

  it('yields buffers of their own, exact-sized: a transfer leaves the input (shared with tar) as it was', async () => {
    // Chunks that each own their whole memory, one exactly a block long; and a short tail.
    const chunks = [1000, 1000, 600, 400, 3].map(n => new Uint8Array(randomBytes(n)))
    const before = chunks.map(c => Buffer.from(c))
    async function* input() {
      yield* chunks
    }
    const blocks: Uint8Array[] = []
    for await (const block of reblock(input(), 1000)) {
      expect(block.byteOffset).toBe(0)
      expect(block.buffer.byteLength).toBe(block.byteLength)
      blocks.push(structuredClone(block, { transfer: [block.buffer as ArrayBuffer] }))
    }
    expect(blocks.map(b => b.byteLength)).toEqual([1000, 1000, 1000, 3])
    expect(chunks.map(c => Buffer.from(c))).toEqual(before)
  })
})

describe('compressStream gzip, its input', () => {
  it('leaves its input chunks whole: the builder’s output is also on its way to tar', async () => {
    const chunks = [0, 1, 2].map(() => new Uint8Array(randomBytes(64 * 1024)))
    const before = chunks.map(c => Buffer.from(c))
    async function* input() {
      yield* chunks
    }
    const { stream, result } = compressStream(input(), { compression: 'gzip', pool, blockSize: 64 * 1024 })
    expect(gunzipSync(await buffer(stream))).toEqual(Buffer.concat(before))
    await result
    expect(chunks.map(c => c.byteLength)).toEqual([65536, 65536, 65536])
    expect(chunks.map(c => Buffer.from(c))).toEqual(before)
  })
})

describe('compressStream gzip', () => {
  it('gunzips back to the input, with the digest and size of what it streamed', async () => {
    const data = compressible(1_000_000)
    const out = await compress(data)
    expect(gunzipSync(out.bytes)).toEqual(data)
    expect(out.size).toBe(out.bytes.length)
    expect(out.digest).toBe(`sha256:${createHash('sha256').update(out.bytes).digest('hex')}`)
    expect(out.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip')
    expect(out.size).toBeLessThan(data.length / 4)
  })

  it('is one gzip member that gzip -t accepts, CRC and length in the trailer', async () => {
    const data = randomBytes(300_000)
    const out = await compress(data)
    expect(out.bytes.readUInt32LE(out.bytes.length - 8)).toBe(crc32(data))
    expect(out.bytes.readUInt32LE(out.bytes.length - 4)).toBe(data.length)
    const dir = mkdtempSync(join(tmpdir(), 'pgzip-'))
    try {
      writeFileSync(join(dir, 'x.gz'), out.bytes)
      execFileSync('gzip', ['-t', join(dir, 'x.gz')])
      expect(execFileSync('gzip', ['-dc', join(dir, 'x.gz')], { maxBuffer: 1 << 24 })).toEqual(data)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('is deterministic: the same input, however chunked and however many workers, gives the same bytes', async () => {
    const data = compressible(700_000)
    const first = await compress(data)
    const other = new DeflatePool(1)
    try {
      const { stream } = compressStream(chunksOf(data, 9999), {
        compression: 'gzip',
        pool: other,
        blockSize: 64 * 1024
      })
      expect(await buffer(stream)).toEqual(first.bytes)
    } finally {
      await other.close()
    }
    expect((await compress(data)).digest).toBe(first.digest)
  })

  it('stores incompressible blocks instead of searching them, still valid and deterministic', async () => {
    const random = randomBytes(3 * 1024 * 1024)
    const text = compressible(1024 * 1024)
    const data = Buffer.concat([random, text])
    const out = await compress(data, { blockSize: 1024 * 1024 })
    expect(gunzipSync(out.bytes).equals(data)).toBe(true)
    // Stored: 5 bytes per 64 KiB stored block over the random part; the text part still compresses.
    expect(out.size).toBeLessThan(random.length + 2048 + text.length / 4)
    expect((await compress(data, { blockSize: 1024 * 1024 })).digest).toBe(out.digest)
  })

  it('frames stored blocks at 65535-byte pieces, exact multiples and a stored last block included', async () => {
    const blockSize = 65535 * 5
    // Two full stored blocks, then a short stored last block (BFINAL on its final piece).
    const data = randomBytes(blockSize * 2 + 65535 * 4 + 5000)
    const out = await compress(data, { blockSize })
    expect(gunzipSync(out.bytes).equals(data)).toBe(true)
    const pieces = Math.ceil(blockSize / 65535) * 2 + 5
    expect(out.size).toBe(10 + data.length + 5 * pieces + 8)
    // A deflated block after a stored one refers back into the stored bytes (its dictionary).
    const first = data.subarray(0, blockSize)
    const second = Buffer.concat([first.subarray(blockSize - 32 * 1024), compressible(blockSize - 32 * 1024)])
    const both = await compress(Buffer.concat([first, second]), { blockSize, level: 6 })
    expect(gunzipSync(both.bytes).equals(Buffer.concat([first, second]))).toBe(true)
    expect(both.size).toBeLessThan(blockSize + 5 * 5 + 20 + (32 * 1024) / 8 + blockSize / 4)
  })

  it('compresses empty input to a valid empty gzip', async () => {
    const out = await compress(Buffer.alloc(0))
    expect(gunzipSync(out.bytes)).toEqual(Buffer.alloc(0))
  })

  it('handles input of an exact multiple of the block size and large input', async () => {
    const exact = randomBytes(4 * 64 * 1024)
    expect(gunzipSync((await compress(exact)).bytes)).toEqual(exact)
    const large = Buffer.concat([compressible(6 * 1024 * 1024), randomBytes(2 * 1024 * 1024)])
    const out = await compress(large, { blockSize: 1024 * 1024 })
    expect(gunzipSync(out.bytes).equals(large)).toBe(true)
  })

  it('passes on a failure of the input to the stream and the result', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield randomBytes(100_000)
      throw new Error('disk gone')
    }
    const { stream, result } = compressStream(failing(), { compression: 'gzip', pool, blockSize: 64 * 1024 })
    await expect(buffer(stream)).rejects.toThrow('disk gone')
    await expect(result).rejects.toThrow('disk gone')
  })
})

describe('other compressions', () => {
  it('uncompressed streams the input as is; its digest is the diffID', async () => {
    const data = randomBytes(1000)
    const out = await compress(data, { compression: 'uncompressed' })
    expect(out.bytes).toEqual(data)
    expect(out.digest).toBe(`sha256:${createHash('sha256').update(data).digest('hex')}`)
    expect(out.mediaType).toBe('application/vnd.oci.image.layer.v1.tar')
  })

  const hasZstd = 'createZstdCompress' in zlib
  ;(hasZstd ? it.skip : it)('refuses zstd on a Node without it, naming the fix', () => {
    expect(() => assertCompressionSupported('zstd')).toThrow(/Node.js 22.15 or later.*compression: gzip/)
  })
  ;(hasZstd ? it : it.skip)('zstd round-trips where Node has it', async () => {
    const z = zlib as unknown as { zstdDecompressSync(b: Buffer): Buffer }
    const data = compressible(200_000)
    const out = await compress(data, { compression: 'zstd' })
    expect(z.zstdDecompressSync(out.bytes)).toEqual(data)
  })

  it('checks levels against the compression', () => {
    expect(compressionLevel({ compression: 'gzip' })).toBe(6)
    expect(compressionLevel({ compression: 'gzip', level: 1 })).toBe(1)
    expect(() => compressionLevel({ compression: 'gzip', level: 10 })).toThrow('use 1–9')
    expect(() => compressionLevel({ compression: 'zstd', level: 0 })).toThrow('use 1–19')
  })
})
