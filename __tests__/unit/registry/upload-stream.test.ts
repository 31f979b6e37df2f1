import { describe, expect, it } from '@jest/globals'
import { Segments, splitAt } from '../../../src/registry/upload-stream.js'

const bytes = (...values: number[]) => Uint8Array.from(values)
const flat = (parts: Uint8Array[]) => [...Buffer.concat(parts)]

describe('splitAt (a PATCH chunk taken from the compressed parts, nothing copied)', () => {
  it('cuts inside a part: the head has exactly `size` bytes, the rest keeps the order', () => {
    const parts = [bytes(1, 2, 3), bytes(4, 5), bytes(6, 7, 8)]
    const [head, rest] = splitAt(parts, 4)
    expect(flat(head)).toEqual([1, 2, 3, 4])
    expect(flat(rest)).toEqual([5, 6, 7, 8])
  })

  it('cuts at a part boundary, and takes everything when size is the total', () => {
    const parts = [bytes(1, 2), bytes(3, 4)]
    const [head, rest] = splitAt(parts, 2)
    expect(flat(head)).toEqual([1, 2])
    expect(flat(rest)).toEqual([3, 4])
    const [all, none] = splitAt(parts, 4)
    expect(flat(all)).toEqual([1, 2, 3, 4])
    expect(none).toEqual([])
  })

  it('returns views of the parts, not copies', () => {
    const part = bytes(1, 2, 3, 4)
    const [head, rest] = splitAt([part], 3)
    expect(head[0]!.buffer).toBe(part.buffer)
    expect(rest[0]!.buffer).toBe(part.buffer)
  })
})

async function* chunksOf(...parts: Uint8Array[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield part
}

const bytesOnly = (bytes: number) => ({ bytes, ms: Infinity })

/** Every body the segments give, each as the list of its byte values. */
async function bodies(segments: Segments): Promise<number[][]> {
  const out: number[][] = []
  while (await segments.more()) {
    const body: number[] = []
    for await (const part of segments.next()) body.push(...part)
    out.push(body)
  }
  return out
}

describe('Segments (a stream cut into PATCH bodies of at most `limit` bytes)', () => {
  it('cuts at the limit, inside chunks and across them, keeping every byte in order', async () => {
    const source = chunksOf(bytes(1, 2, 3), bytes(4, 5, 6, 7, 8), bytes(9))
    expect(await bodies(new Segments(source, bytesOnly(4)))).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
  })

  it('gives one body when the stream fits, and a last body of exactly the limit with no empty one after it', async () => {
    expect(await bodies(new Segments(chunksOf(bytes(1, 2), bytes(3)), bytesOnly(100)))).toEqual([[1, 2, 3]])
    expect(await bodies(new Segments(chunksOf(bytes(1, 2), bytes(3, 4)), bytesOnly(2)))).toEqual([
      [1, 2],
      [3, 4]
    ])
  })

  it('skips empty chunks, and an empty stream gives no body at all', async () => {
    const source = chunksOf(new Uint8Array(0), bytes(1), new Uint8Array(0), bytes(2, 3), new Uint8Array(0))
    expect(await bodies(new Segments(source, bytesOnly(2)))).toEqual([[1, 2], [3]])
    expect(await bodies(new Segments(chunksOf(new Uint8Array(0)), bytesOnly(2)))).toEqual([])
  })

  it('gives views of the chunks, not copies', async () => {
    const chunk = bytes(1, 2, 3, 4)
    const segments = new Segments(chunksOf(chunk), bytesOnly(3))
    const parts: Uint8Array[] = []
    while (await segments.more()) for await (const part of segments.next()) parts.push(part)
    expect(parts).toHaveLength(2)
    for (const part of parts) expect(part.buffer).toBe(chunk.buffer)
  })

  it('ends a body once it has been open `ms`, however few bytes it has (a slow producer)', async () => {
    let clock = 0
    async function* slow(): AsyncGenerator<Uint8Array> {
      for (let i = 1; i <= 8; i++) {
        clock += 10 // each byte takes 10 ms to come
        yield bytes(i)
      }
    }
    const segments = new Segments(slow(), { bytes: 100, ms: 25 }, () => clock)
    // A body starts with a byte in hand and takes what comes within 25 ms, the one that was awaited too.
    expect(await bodies(segments)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8]
    ])
  })
})
