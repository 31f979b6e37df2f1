/**
 * The deflate worker, as source evaluated by `new Worker(…, { eval: true })`: no separate file to find
 * once the action is bundled. It raw-deflates one block (the previous block's last 32 KiB as the
 * dictionary, as pigz does), sync-flushed so blocks concatenate, the last one finished; and its CRC-32.
 * A block whose samples (at its start, a third and two thirds in) do not compress at level 1 is stored,
 * as klauspost/pgzip skips incompressible data: random or already-compressed files cost a copy, not a
 * search. Stored blocks are framed here (zlib's level 0 still maintains its window: ten times slower).
 * The choice depends on the bytes only, so the output stays deterministic.
 */
export const DEFLATE_WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const zlib = require('node:zlib')
const SAMPLE = 16 * 1024
const MAX_STORED = 65535
function incompressible(input, at) {
  const sample = input.subarray(at, at + SAMPLE)
  return zlib.deflateRawSync(sample, { level: 1 }).byteLength > sample.byteLength * 0.98
}
function worthStoring(input) {
  const third = Math.floor(input.byteLength / 3)
  return input.byteLength >= 16 * SAMPLE && [0, third, 2 * third].every(at => incompressible(input, at))
}
// Stored deflate blocks (BTYPE 00): a header byte (BFINAL on the last one), LEN, NLEN, the bytes. A block
// ends byte-aligned, as a sync flush does, so the next one may follow.
function stored(input, last) {
  const count = Math.max(1, Math.ceil(input.byteLength / MAX_STORED))
  const out = new Uint8Array(input.byteLength + 5 * count)
  let at = 0
  for (let i = 0; i < count; i++) {
    const piece = input.subarray(i * MAX_STORED, (i + 1) * MAX_STORED)
    out[at] = last && i === count - 1 ? 1 : 0
    out[at + 1] = piece.byteLength & 0xff
    out[at + 2] = piece.byteLength >> 8
    out[at + 3] = ~piece.byteLength & 0xff
    out[at + 4] = (~piece.byteLength >> 8) & 0xff
    out.set(piece, at + 5)
    at += 5 + piece.byteLength
  }
  return out
}
function deflated(input, dictionary, level, last) {
  const options = { level, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH }
  if (dictionary && dictionary.byteLength > 0) options.dictionary = Buffer.from(dictionary.buffer, dictionary.byteOffset, dictionary.byteLength)
  const out = zlib.deflateRawSync(input, options)
  // Transfer, not copy: an exact-sized buffer of its own (a Buffer may be a view into a larger one).
  return out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : new Uint8Array(out)
}
parentPort.on('message', ({ id, data, dictionary, level, last }) => {
  try {
    const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const store = worthStoring(input)
    const out = store ? stored(input, last) : deflated(input, dictionary, level, last)
    const crc = zlib.crc32(input)
    parentPort.postMessage({ id, out, crc, stored: store }, [out.buffer])
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.stack || error) })
  }
})
`
