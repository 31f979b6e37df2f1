import { describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import {
  buildConcurrently,
  callerStore,
  platformStores,
  removePlatformStore,
  whyNoExtraStores
} from '../../../src/builders/buildah/platform-stores.js'
import { fakeRunner, memoryLogger, withTempDir } from './helpers.js'

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

  it('gives every platform a root of its own that reads the caller storage', () => {
    const stores = platformStores(3, '/w', caller)
    const own = [
      ...['--root', '/w/store-1/root', '--runroot', '/w/store-1/run', '--storage-driver', 'overlay'],
      ...['--storage-opt', 'overlay.mount_program=/usr/bin/fuse-overlayfs']
    ]
    // The caller's images are seen read-only; storage.conf's driver options are given again, as any
    // --storage-opt replaces them.
    expect(stores[1]).toEqual({
      flags: [...own, '--storage-opt', 'overlay.imagestore=/var/lib/c'],
      ownFlags: own,
      dir: '/w/store-1'
    })
    expect(stores[0]?.dir).toBe('/w/store-0')
    expect(stores[2]?.dir).toBe('/w/store-2')
  })
})

describe('whyNoExtraStores', () => {
  it('allows overlay and vfs, whose imagestore option shares the caller images read-only', () => {
    expect(whyNoExtraStores({ driver: 'overlay', options: [], root: '/r' })).toBeUndefined()
    expect(
      whyNoExtraStores({ driver: 'vfs', options: ['vfs.ignore_chown_errors=true'], root: '/r' })
    ).toBeUndefined()
  })
  it('refuses other drivers, and options buildah would split at a comma', () => {
    expect(whyNoExtraStores({ driver: 'btrfs', options: [], root: '/r' })).toContain("'btrfs'")
    expect(
      whyNoExtraStores({ driver: 'overlay', options: ['overlay.mountopt=nodev,metacopy=on'], root: '/r' })
    ).toContain('overlay.mountopt=nodev,metacopy=on')
  })
})

describe('removePlatformStore', () => {
  it('removes containers, then images, with the store own flags only, then the dir', async () => {
    await withTempDir(async dir => {
      const store = platformStores(2, dir, { driver: 'overlay', options: [], root: '/var/lib/c' })[1]!
      await mkdir(join(dir, 'store-1', 'root'), { recursive: true })
      const { run, calls } = fakeRunner(() => '')
      await removePlatformStore(store, run, {}, memoryLogger())
      expect(calls.map(c => c.args.slice(store.ownFlags.length).join(' '))).toEqual([
        'rm --all',
        'rmi --all --force'
      ])
      for (const call of calls) {
        expect(call.args.slice(0, store.ownFlags.length)).toEqual(store.ownFlags)
        expect(call.args.join(' ')).not.toContain('/var/lib/c')
      }
      expect(existsSync(join(dir, 'store-1'))).toBe(false)
    })
  })
  it('falls back to buildah unshare when a plain rm is refused, and only warns when that fails too', async () => {
    await withTempDir(async dir => {
      const store = {
        ...platformStores(2, dir, { driver: 'vfs', options: [], root: '/r' })[1]!,
        dir: '/proc/1'
      }
      const { run, calls } = fakeRunner((_cmd, args) => {
        if (args[0] === 'unshare') throw new Error('unshare refused')
        return ''
      })
      const logger = memoryLogger()
      await removePlatformStore(store, run, {}, logger)
      expect(calls.at(-1)?.args).toEqual(['unshare', 'rm', '-rf', '/proc/1'])
      expect(logger.lines.join('\n')).toContain('could not remove the temporary containers storage /proc/1')
    })
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
