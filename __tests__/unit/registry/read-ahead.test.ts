import { describe, expect, it } from '@jest/globals'
import { readAhead } from '../../../src/registry/compress/read-ahead.js'

const tick = () => new Promise(resolve => setImmediate(resolve))

describe('readAhead', () => {
  it('keeps the order and produces ahead of the consumer up to the byte bound', async () => {
    let produced = 0
    async function* source(): AsyncGenerator<Uint8Array> {
      for (let i = 0; i < 10; i++) {
        produced++
        yield new Uint8Array([i, i, i, i])
      }
    }
    const ahead = readAhead(source(), 12)
    const first = await ahead.next()
    expect(first.value).toEqual(new Uint8Array([0, 0, 0, 0]))
    for (let i = 0; i < 5; i++) await tick()
    // While the consumer holds item 0, the producer filled the bound (3 × 4 bytes) and stopped.
    expect(produced).toBe(4)
    const rest: number[] = []
    for await (const item of ahead) rest.push(item[0]!)
    expect(rest).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
  })

  it('passes on the source failure after the items before it', async () => {
    async function* source(): AsyncGenerator<Uint8Array> {
      yield new Uint8Array([1])
      throw new Error('compression failed')
    }
    const seen: number[] = []
    await expect(
      (async () => {
        for await (const item of readAhead(source(), 100)) seen.push(item[0]!)
      })()
    ).rejects.toThrow('compression failed')
    expect(seen).toEqual([1])
  })

  it('stops the producer when the consumer stops early', async () => {
    let finished = false
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) yield new Uint8Array(4)
      } finally {
        finished = true
      }
    }
    for await (const item of readAhead(source(), 8)) {
      expect(item.byteLength).toBe(4)
      break
    }
    expect(finished).toBe(true)
  })
})
