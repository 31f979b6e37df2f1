import { describe, expect, it } from '@jest/globals'
import {
  buildConcurrently,
  callerStore,
  platformStores
} from '../../../src/builders/buildah/platform-stores.js'
import { fakeRunner } from './helpers.js'

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms)
    signal.addEventListener('abort', () => {
      clearTimeout(timer)
      reject(new Error('stopped'))
    })
  })

describe('platformStores', () => {
  const caller = {
    driver: 'overlay',
    options: ['overlay.mount_program=/usr/bin/fuse-overlayfs'],
    root: '/var/lib/c'
  }

  it('keeps the caller storage for the first platform and gives each other one a root of its own', () => {
    const stores = platformStores(3, '/w', caller)
    expect(stores[0]).toEqual({ flags: [], ownFlags: [] })
    const own = [
      ...['--root', '/w/store-1/root', '--runroot', '/w/store-1/run', '--storage-driver', 'overlay'],
      ...['--storage-opt', 'overlay.mount_program=/usr/bin/fuse-overlayfs']
    ]
    // The caller's images are seen read-only; storage.conf's driver options are given again, as any
    // --storage-opt replaces them.
    expect(stores[1]).toEqual({
      flags: [...own, '--storage-opt', 'additionalimagestore=/var/lib/c'],
      ownFlags: own,
      dir: '/w/store-1'
    })
    expect(stores[2]?.dir).toBe('/w/store-2')
  })
})

describe('callerStore', () => {
  const answering = (stdout: string) => fakeRunner(() => stdout).run

  it('reads the driver, its options and the root from `buildah info`', async () => {
    const info = {
      store: { GraphDriverName: 'overlay', GraphRoot: '/r', GraphOptions: ['a=b'], RunRoot: '/x' }
    }
    expect(await callerStore(answering(JSON.stringify(info)), {})).toEqual({
      driver: 'overlay',
      root: '/r',
      options: ['a=b']
    })
    const noOptions = { store: { GraphDriverName: 'vfs', GraphRoot: '/r', GraphOptions: null } }
    expect(await callerStore(answering(JSON.stringify(noOptions)), {})).toEqual({
      driver: 'vfs',
      root: '/r',
      options: []
    })
  })

  it('says nothing when the answer does not describe a store (the platforms then share it, one after another)', async () => {
    for (const stdout of [
      'not json',
      '{}',
      '{"store":{"GraphDriverName":"overlay"}}',
      '{"store":{"GraphDriverName":"overlay","GraphRoot":"/r","GraphOptions":[1]}}'
    ])
      expect(await callerStore(answering(stdout), {})).toBeUndefined()
    const failing = fakeRunner(() => {
      throw new Error('no buildah')
    }).run
    expect(await callerStore(failing, {})).toBeUndefined()
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
