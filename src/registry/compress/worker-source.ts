/**
 * The deflate worker, as source evaluated by `new Worker(…, { eval: true })`: no separate file to find
 * once the action is bundled. It raw-deflates one block (the previous block's last 32 KiB as the
 * dictionary, as pigz does), sync-flushed so blocks concatenate, the last one finished; and its CRC-32.
 * A block whose samples (its start and its middle) do not compress at level 1 is stored (level 0), as
 * klauspost/pgzip skips incompressible data: random or already-compressed files cost a copy, not a
 * search. The choice depends on the bytes only, so the output stays deterministic.
 */
export const DEFLATE_WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads')
const zlib = require('node:zlib')
const SAMPLE = 64 * 1024
function incompressible(input, at) {
  const sample = input.subarray(at, at + SAMPLE)
  return zlib.deflateRawSync(sample, { level: 1 }).byteLength > sample.byteLength * 0.98
}
parentPort.on('message', ({ id, data, dictionary, level, last }) => {
  try {
    const input = Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    const half = Math.floor(input.byteLength / 2)
    const store = input.byteLength >= 4 * SAMPLE && incompressible(input, 0) && incompressible(input, half)
    const options = { level: store ? 0 : level, finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH }
    if (dictionary && dictionary.byteLength > 0) options.dictionary = Buffer.from(dictionary.buffer, dictionary.byteOffset, dictionary.byteLength)
    const out = zlib.deflateRawSync(input, options)
    const crc = zlib.crc32(input)
    // Transfer, not copy: an exact-sized buffer of its own (a Buffer may be a view into a larger one).
    const own = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : new Uint8Array(out)
    parentPort.postMessage({ id, out: own, crc, stored: store }, [own.buffer])
  } catch (error) {
    parentPort.postMessage({ id, error: String(error && error.stack || error) })
  }
})
`
