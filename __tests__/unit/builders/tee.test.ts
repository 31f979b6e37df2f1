import { describe, expect, it } from '@jest/globals'
import { PassThrough, Writable } from 'node:stream'
import { Tee } from '../../../src/builders/layout/tee.js'

/** An output that takes `ms` per write, recording what it got. */
function slowOutput(ms: number, highWaterMark = 16) {
  const got: Buffer[] = []
  const output = new Writable({
    highWaterMark,
    write: (chunk: Buffer, _encoding, callback) => setTimeout(() => (got.push(chunk), callback()), ms)
  })
  return { output, got }
}

describe('Tee', () => {
  it('finishes only once every output has, and leaves them whole (tar still reads its input then)', async () => {
    const fast = new PassThrough()
    const slow = slowOutput(30)
    const tee = new Tee([fast, slow.output])
    for (const text of ['a', 'b', 'c']) tee.write(Buffer.from(text))
    await new Promise(resolve => tee.end(resolve))
    expect(slow.output.writableFinished).toBe(true)
    expect(Buffer.concat(slow.got).toString()).toBe('abc')
    expect(fast.destroyed).toBe(false)
    expect(String(fast.read())).toBe('abc')
  })

  it('goes at the pace of the slowest output', async () => {
    const slow = slowOutput(20, 1)
    const tee = new Tee([new PassThrough({ highWaterMark: 1 << 20 }), slow.output])
    expect(tee.write(Buffer.from('x'.repeat(20000)))).toBe(false)
    const drained = Date.now()
    await new Promise(r => tee.once('drain', r))
    expect(Date.now() - drained).toBeGreaterThanOrEqual(15)
  })

  it('leaves out an output that fails, and destroys the outputs when destroyed', async () => {
    const failing = new Writable({ write: (_c, _e, callback) => callback(new Error('gone')) })
    failing.on('error', () => {})
    const fast = new PassThrough()
    const tee = new Tee([failing, fast])
    tee.write(Buffer.from('one'))
    await new Promise(r => setImmediate(r))
    tee.write(Buffer.from('two'))
    await new Promise(resolve => tee.end(resolve))
    expect(String(fast.read())).toBe('onetwo')
    const other = new PassThrough()
    new Tee([other]).destroy()
    expect(other.destroyed).toBe(true)
  })
})
