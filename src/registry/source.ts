/** What a blob is read from: a file (streamed, range by range) or bytes in memory. */
import { stat } from 'node:fs/promises'
import type { Descriptor } from './oci/types.js'
import type { BlobSource } from './types.js'
import type { RequestBody } from './transport/http.js'
import { digestLike } from './digest.js'

export interface BlobBody {
  size: number
  /** Bytes [start, end) as a replayable request body. */
  slice(start: number, end: number): RequestBody
}

export async function openSource(source: BlobSource, desc: Descriptor): Promise<BlobBody> {
  if ('data' in source) {
    const data = source.data
    if (data.byteLength !== desc.size) throw sizeMismatch(desc, data.byteLength, 'the data')
    const actual = digestLike(desc.digest, data)
    if (actual !== desc.digest)
      throw new Error(`blob data has digest ${actual}, but its descriptor says ${desc.digest}`)
    return {
      size: data.byteLength,
      slice: (start, end) => ({ kind: 'bytes', data: data.subarray(start, end) })
    }
  }
  const info = await stat(source.path)
  if (info.size !== desc.size) throw sizeMismatch(desc, info.size, source.path)
  return { size: info.size, slice: (start, end) => ({ kind: 'file', path: source.path, start, end }) }
}

function sizeMismatch(desc: Descriptor, actual: number, what: string): Error {
  return new Error(`${desc.digest}: ${what} holds ${actual} bytes, but its descriptor says ${desc.size}`)
}
