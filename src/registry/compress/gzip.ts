/**
 * pgzip-style parallel gzip: the input is cut into fixed-size blocks, each raw-deflated by a worker
 * thread (sync-flushed, the previous block's last 32 KiB as dictionary, the last block finished), and
 * the blocks are concatenated in order into ONE gzip member whose CRC-32 is combined from the blocks'.
 * The output depends only on the input, the level and the block size: same input, same bytes.
 */
import { crc32Combine } from './crc32.js'
import type { DeflatePool, DeflatedBlock } from './pool.js'

export const DEFAULT_BLOCK_SIZE = 1024 * 1024
const WINDOW = 32 * 1024
/** mtime 0, no name, OS "unknown": nothing of the machine or the moment ends up in the bytes. */
const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])

export interface ParallelGzipOptions {
  pool: DeflatePool
  /** zlib level 0–9. */
  level: number
  blockSize?: number
}

/** Gzip of `input`, as chunks in order. */
export async function* parallelGzip(
  input: AsyncIterable<Uint8Array>,
  opts: ParallelGzipOptions
): AsyncGenerator<Buffer> {
  yield GZIP_HEADER
  const inFlight: Array<{ length: number; block: Promise<DeflatedBlock> }> = []
  const maxInFlight = opts.pool.size * 2
  let crc = 0
  let total = 0
  let dictionary: Uint8Array | undefined
  const submit = (block: Uint8Array, last: boolean) => {
    // The block's buffer is transferred to the worker (reblock's blocks are the pipeline's own,
    // exact-sized), the dictionary copied.
    const next = new Uint8Array(block.subarray(Math.max(0, block.byteLength - WINDOW)))
    const task = { data: block, dictionary, level: opts.level, last }
    const length = block.byteLength // before deflate(): it transfers (detaches) the buffer
    const deflated = opts.pool.deflate(task)
    // Observed at once: a block may fail while an earlier one is awaited (or while the consumer is
    // busy); unobserved until then, its rejection would be unhandled, which kills the process.
    // drainOne still awaits it, so the failure is the compression's.
    deflated.catch(() => {})
    inFlight.push({ length, block: deflated })
    dictionary = next
  }
  const drainOne = async (): Promise<Buffer> => {
    const head = inFlight.shift()!
    const { out, crc: blockCrc } = await head.block
    crc = crc32Combine(crc, blockCrc, head.length)
    total += head.length
    return Buffer.from(out.buffer, out.byteOffset, out.byteLength)
  }
  let pending: Uint8Array | undefined
  for await (const block of reblock(input, opts.blockSize ?? DEFAULT_BLOCK_SIZE)) {
    if (pending) submit(pending, false)
    pending = block
    while (inFlight.length >= maxInFlight) yield await drainOne()
  }
  submit(pending ?? new Uint8Array(0), true)
  while (inFlight.length > 0) yield await drainOne()
  yield gzipTrailer(crc, total)
}

function gzipTrailer(crc: number, total: number): Buffer {
  const trailer = Buffer.alloc(8)
  trailer.writeUInt32LE(crc >>> 0, 0)
  trailer.writeUInt32LE(total % 2 ** 32, 4)
  return trailer
}

/**
 * Re-cuts a stream of chunks into blocks of exactly `size` bytes (the last one shorter, none empty).
 * Every block is a new buffer of its own, which the consumer may take over (transfer to a worker);
 * the input chunks are only read, never kept past the block they end up in, nor handed on: they may
 * be shared with another reader (the builder's output also goes to `tar`).
 */
export async function* reblock(input: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = []
  let held = 0
  for await (const chunk of input) {
    let rest = chunk
    while (held + rest.byteLength >= size) {
      const take = size - held
      const block = copyOf([...parts, rest.subarray(0, take)], size)
      rest = rest.subarray(take)
      parts = []
      held = 0
      yield block
    }
    if (rest.byteLength > 0) {
      parts.push(rest)
      held += rest.byteLength
    }
  }
  if (held > 0) yield copyOf(parts, held)
}

/** One new, exact-sized buffer (never a slice of Buffer's shared pool, which must not be transferred). */
function copyOf(parts: Uint8Array[], length: number): Uint8Array {
  const block = Buffer.allocUnsafeSlow(length)
  let at = 0
  for (const part of parts) {
    block.set(part, at)
    at += part.byteLength
  }
  return block
}
