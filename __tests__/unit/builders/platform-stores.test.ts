import { describe, expect, it } from '@jest/globals'
import { buildConcurrently, platformStores } from '../../../src/builders/buildah/platform-stores.js'

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(new Error('stopped'))
    })
  })

describe('platformStores', () => {
  it('keeps the caller storage for the first platform and gives each other one a root of its own', () => {
    const stores = platformStores(3, '/w')
    expect(stores[0]).toEqual({ flags: [] })
    expect(stores[1]).toEqual({
      flags: ['--root', '/w/store-1/root', '--runroot', '/w/store-1/run'],
      dir: '/w/store-1'
    })
    expect(stores[2]?.dir).toBe('/w/store-2')
  })
})

describe('buildConcurrently', () => {
  it('runs the builds at once, up to the limit', async () => {
    let running = 0
    let most = 0
    const task = async (signal: AbortSignal) => {
      most = Math.max(most, ++running)
      await sleep(20, signal)
      running--
    }
    await buildConcurrently([task, task, task, task, task], 2)
    expect(most).toBe(2)
    await buildConcurrently([task, task, task], 8)
    expect(most).toBe(3)
  })

  it('stops the other builds at the first failure and throws that failure', async () => {
    const ended: string[] = []
    const slow = async (signal: AbortSignal) => {
      await sleep(10_000, signal).catch(err => {
        ended.push('slow stopped')
        throw err
      })
    }
    const failing = async () => {
      await new Promise(r => setTimeout(r, 10))
      throw new Error('arm64 failed')
    }
    const never = async () => {
      ended.push('queued one started')
    }
    const started = Date.now()
    await expect(buildConcurrently([slow, failing, never], 2)).rejects.toThrow('arm64 failed')
    expect(Date.now() - started).toBeLessThan(5000)
    expect(ended).toEqual(['slow stopped'])
  })

  it('stops when the run is cancelled', async () => {
    const cancel = new AbortController()
    setTimeout(() => cancel.abort(new Error('cancelled')), 10)
    const slow = (signal: AbortSignal) => sleep(10_000, signal)
    await expect(buildConcurrently([slow, slow], 2, cancel.signal)).rejects.toThrow('stopped')
  })
})
