import { describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import {
  compressAndPush,
  compressToFile,
  sha256Digest,
  type Repository
} from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { recordingClient } from '../../support/registry/helpers.js'
import { FaultProxy } from '../../support/registry/fault-proxy.js'

async function withTar<T>(size: number, fn: (dir: string, tar: Buffer) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'compress-push-'))
  try {
    // Half random, half repeated: the output is a few MiB, over several chunks.
    const tar = Buffer.concat([randomBytes(size / 2), Buffer.alloc(size / 2, 'layer ')])
    await writeFile(join(dir, 'layer.tar'), tar)
    return await fn(dir, tar)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('compressAndPush', () => {
  it('uploads while compressing: POST, a PATCH per chunk, PUT with the digest; the registry serves those bytes', async () => {
    const { client, requests } = recordingClient({ chunkSize: 1024 * 1024 })
    const repo = client.repository(`${testEnv().registry}/${uniqueRepo('compress-push')}`)
    try {
      await withTar(6 * 1024 * 1024, async (dir, tar) => {
        const spoolPath = join(dir, 'spool')
        const desc = await compressAndPush({
          repo,
          tarPath: join(dir, 'layer.tar'),
          spoolPath,
          compression: { compression: 'gzip' }
        })
        const spooled = await readFile(spoolPath)
        expect(desc).toEqual({
          mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
          digest: sha256Digest(spooled),
          size: spooled.length
        })
        expect(gunzipSync(spooled).equals(tar)).toBe(true)
        expect(await repo.getBlob(desc.digest)).toEqual(spooled)
        const methods = requests.filter(r => r.url.includes('/blobs/uploads/')).map(r => r.method)
        const patches = methods.filter(m => m === 'PATCH').length
        expect(patches).toBe(Math.floor(desc.size / (1024 * 1024)))
        expect(methods).toEqual(['POST', ...Array(patches).fill('PATCH'), 'PUT'])
        const sent = requests
          .filter(r => r.method === 'PATCH' || r.method === 'PUT')
          .reduce((n, r) => n + r.bytesSent, 0)
        expect(sent).toBe(desc.size)
      })
    } finally {
      client.close()
    }
  })

  it('spool: false writes no copy while streaming (one target), and the registry serves the layer', async () => {
    const { client } = recordingClient()
    const repo = client.repository(`${testEnv().registry}/${uniqueRepo('compress-nospool')}`)
    try {
      await withTar(2 * 1024 * 1024, async (dir, tar) => {
        const spoolPath = join(dir, 'spool')
        const desc = await compressAndPush({
          repo,
          tarPath: join(dir, 'layer.tar'),
          spoolPath,
          spool: false,
          compression: { compression: 'gzip' }
        })
        await expect(stat(spoolPath)).rejects.toThrow(/ENOENT/)
        const served = await repo.getBlob(desc.digest)
        expect(sha256Digest(served)).toBe(desc.digest)
        expect(gunzipSync(served).equals(tar)).toBe(true)
      })
    } finally {
      client.close()
    }
  })

  it('falls back to compressing to disk and a resumable upload when the streamed upload fails, same digest', async () => {
    const { client } = recordingClient()
    const real = client.repository(`${testEnv().registry}/${uniqueRepo('compress-fallback')}`)
    let streamed = 0
    const failing: Repository = Object.assign(Object.create(real) as Repository, {
      pushStream: async (chunks: AsyncIterable<Uint8Array>) => {
        for await (const chunk of chunks) {
          streamed += chunk.byteLength
          if (streamed > 100_000) throw new Error('connection reset')
        }
        throw new Error('unreachable')
      }
    })
    try {
      await withTar(2 * 1024 * 1024, async dir => {
        const compression = { compression: 'gzip' as const }
        const first = await compressAndPush({
          repo: failing,
          tarPath: join(dir, 'layer.tar'),
          spoolPath: join(dir, 'a'),
          compression
        })
        expect(streamed).toBeGreaterThan(100_000)
        expect(await real.blobExists(first.digest)).toBe(true)
        expect(sha256Digest(await readFile(join(dir, 'a')))).toBe(first.digest)
        const again = await compressAndPush({
          repo: real,
          tarPath: join(dir, 'layer.tar'),
          spoolPath: join(dir, 'b'),
          compression
        })
        expect(again).toEqual(first)
      })
    } finally {
      client.close()
    }
  })

  it('once the push is stopped, a failed streamed upload is not compressed again into a file', async () => {
    const stop = new AbortController()
    const { client, logger } = recordingClient({ signal: stop.signal })
    const real = client.repository(`${testEnv().registry}/${uniqueRepo('compress-stopped')}`)
    const cancelled = new Error('the run was cancelled')
    const stopping: Repository = Object.assign(Object.create(real) as Repository, {
      pushStream: async (chunks: AsyncIterable<Uint8Array>) => {
        // The run is cancelled while the first compressed bytes go up.
        await chunks[Symbol.asyncIterator]().next()
        stop.abort(cancelled)
        throw cancelled
      }
    })
    try {
      await withTar(2 * 1024 * 1024, async dir => {
        const spoolPath = join(dir, 'spool')
        const pushing = compressAndPush({
          repo: stopping,
          tarPath: join(dir, 'layer.tar'),
          spoolPath,
          spool: false,
          compression: { compression: 'gzip' },
          logger,
          signal: client.signal
        })
        await expect(pushing).rejects.toBe(cancelled)
        // The fallback would have written the spool and logged that it compresses again.
        await expect(stat(spoolPath)).rejects.toThrow(/ENOENT/)
        expect(logger.text()).not.toMatch(/compressing it again/)
      })
    } finally {
      client.close()
    }
  })

  it('compressToFile stops on its signal instead of compressing the whole layer', async () => {
    await withTar(2 * 1024 * 1024, async dir => {
      const stop = new AbortController()
      const cancelled = new Error('the run was cancelled')
      stop.abort(cancelled)
      const compressing = compressToFile(
        join(dir, 'layer.tar'),
        join(dir, 'out'),
        { compression: 'gzip' },
        stop.signal
      )
      await expect(compressing).rejects.toBe(cancelled)
      // Nothing past the first chunk was written.
      expect((await stat(join(dir, 'out'))).size).toBe(0)
    })
  })

  it('a streamed PATCH cut off by the network: the layer goes up from the spool instead, same digest', async () => {
    const proxy = new FaultProxy(testEnv().registry)
    await proxy.start()
    const { client, logger } = recordingClient({ maxAttempts: 3 })
    const path = uniqueRepo('compress-cutoff')
    try {
      proxy.add({ method: 'PATCH', action: { kind: 'reset-request', afterBytes: 200_000 } })
      await withTar(4 * 1024 * 1024, async (dir, tar) => {
        const desc = await compressAndPush({
          repo: client.repository(`${proxy.host}/${path}`),
          tarPath: join(dir, 'layer.tar'),
          spoolPath: join(dir, 'spool'),
          compression: { compression: 'gzip' },
          logger
        })
        const streamed = proxy.log.filter(e => e.method === 'PATCH' && e.chunked)
        expect(streamed).toHaveLength(1)
        expect(streamed[0]!.fault).toBe('reset-request')
        // What the e2e workflow looks for in the log of a large layer pushed to ghcr.io.
        expect(logger.text()).toMatch(
          /info: .*failed [\s\S]*; compressing it again into a file and uploading that/
        )
        expect(desc.digest).toBe(sha256Digest(await readFile(join(dir, 'spool'))))
        const served = await client.repository(`${testEnv().registry}/${path}`).getBlob(desc.digest)
        expect(gunzipSync(served).equals(tar)).toBe(true)
      })
    } finally {
      client.close()
      await proxy.stop()
    }
  })

  it("a layer file that cannot be opened fails the push with the file's error, not an uncaught exception", async () => {
    const { client, count } = recordingClient()
    const repo = client.repository(`${testEnv().registry}/${uniqueRepo('compress-missing')}`)
    const dir = await mkdtemp(join(tmpdir(), 'compress-push-'))
    try {
      // The upload's POST is out when the file is opened: an 'error' event then would have no listener.
      const pushing = compressAndPush({
        repo,
        tarPath: join(dir, 'gone.tar'),
        spoolPath: join(dir, 'spool'),
        spool: false,
        compression: { compression: 'gzip' }
      })
      await expect(pushing).rejects.toThrow(/ENOENT: no such file or directory, open '.*gone\.tar'/)
      expect(count('POST', /blobs\/uploads/)).toBe(1)
      expect(count('PUT', /blobs\/uploads/)).toBe(0)
    } finally {
      client.close()
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('starts nothing once stopped: a layer that waited its turn while another failed sends no request', async () => {
    const { client, requests } = recordingClient()
    const repo = client.repository(`${testEnv().registry}/${uniqueRepo('compress-late')}`)
    const stop = new AbortController()
    const failure = new Error('another layer failed')
    stop.abort(failure)
    try {
      await withTar(2 * 1024 * 1024, async dir => {
        const pushing = compressAndPush({
          repo,
          tarPath: join(dir, 'layer.tar'),
          spoolPath: join(dir, 'spool'),
          compression: { compression: 'gzip' },
          signal: stop.signal
        })
        await expect(pushing).rejects.toBe(failure)
        expect(requests).toEqual([])
        await expect(stat(join(dir, 'spool'))).rejects.toThrow(/ENOENT/)
      })
    } finally {
      client.close()
    }
  })
})
