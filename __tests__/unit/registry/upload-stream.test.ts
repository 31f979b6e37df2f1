import { describe, expect, it } from '@jest/globals'
import { splitAt } from '../../../src/registry/upload-stream.js'

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
