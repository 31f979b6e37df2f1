import { describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  compressAndPush,
  compressAndPushStream,
  compressToFile,
  type Repository,
  type SizeLimit
} from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { recordingClient } from '../../support/registry/helpers.js'

const MiB = 1024 * 1024
const gzip = { compression: 'gzip' as const }

async function withTar<T>(data: Buffer, fn: (dir: string, tarPath: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'compress-limit-'))
  try {
    await writeFile(join(dir, 'layer.tar'), data)
    return await fn(dir, join(dir, 'layer.tar'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function limitOf(bytes: number): SizeLimit & { error: Error } {
  const error = new Error(`over the ${bytes}-byte limit`)
  return { bytes, error, exceeded: () => error }
}

/** The layer's compressed size (the compression is deterministic: every pass gives these bytes). */
async function compressedSize(dir: string, tarPath: string): Promise<number> {
  return (await compressToFile(tarPath, join(dir, 'measure'), gzip)).size
}

describe('a size limit on the compressed layer', () => {
  it('stops the streamed upload once the compressed bytes pass it: the limit is the error, the upload is cancelled, nothing is compressed again', async () => {
    const { client, logger, count } = recordingClient()
    const repo = client.repository(`${testEnv().registry}/${uniqueRepo('limit-stream')}`)
    const limit = limitOf(MiB)
    try {
      await withTar(randomBytes(3 * MiB), async (dir, tarPath) => {
        const spoolPath = join(dir, 'spool')
        const pushing = compressAndPush({
          repo,
          tarPath,
          spoolPath,
          spool: false,
          compression: gzip,
          logger,
          limit
        })
        await expect(pushing).rejects.toBe(limit.error)
        expect(count('PUT', /blobs\/uploads/)).toBe(0)
        expect(count('DELETE', /blobs\/uploads/)).toBe(1)
        // The fallback would have compressed it again into the spool, and said so.
        await expect(stat(spoolPath)).rejects.toThrow(/ENOENT/)
        expect(logger.text()).not.toMatch(/compressing it again/)
        const digest = (await compressToFile(tarPath, join(dir, 'all'), gzip)).digest
        expect(await repo.blobExists(digest)).toBe(false)
      })
    } finally {
      client.close()
    }
  })

  it('counts compressed bytes, not the layer: one larger than the limit uncompressed that compresses below it goes up', async () => {
    const { client } = recordingClient()
    const repo = client.repository(`${testEnv().registry}/${uniqueRepo('limit-small')}`)
    try {
      await withTar(Buffer.alloc(3 * MiB, 'layer '), async (dir, tarPath) => {
        const desc = await compressAndPush({
          repo,
          tarPath,
          spoolPath: join(dir, 'spool'),
          compression: gzip,
          limit: limitOf(MiB)
        })
        expect(desc.size).toBeLessThan(MiB)
        expect(await repo.blobExists(desc.digest)).toBe(true)
      })
    } finally {
      client.close()
    }
  })

  it('takes a layer of exactly the limit; one byte less refuses it', async () => {
    const { client } = recordingClient()
    const repo = client.repository(`${testEnv().registry}/${uniqueRepo('limit-edge')}`)
    try {
      await withTar(randomBytes(2 * MiB), async (dir, tarPath) => {
        const size = await compressedSize(dir, tarPath)
        const under = limitOf(size - 1)
        const request = { repo, tarPath, spoolPath: join(dir, 'spool'), compression: gzip }
        await expect(compressAndPush({ ...request, limit: under })).rejects.toBe(under.error)
        const desc = await compressAndPush({ ...request, limit: limitOf(size) })
        expect(desc.size).toBe(size)
        expect(await repo.blobExists(desc.digest)).toBe(true)
      })
    } finally {
      client.close()
    }
  })

  it('applies to the fallback compression into a file too', async () => {
    await withTar(randomBytes(2 * MiB), async (dir, tarPath) => {
      const size = await compressedSize(dir, tarPath)
      const under = limitOf(size - 1)
      await expect(compressToFile(tarPath, join(dir, 'a'), gzip, undefined, under)).rejects.toBe(under.error)
      const blob = await compressToFile(tarPath, join(dir, 'b'), gzip, undefined, limitOf(size))
      expect(blob.size).toBe(size)
    })
  })

  it('applies to a layer compressed while the build hands it over', async () => {
    const { client, count } = recordingClient()
    const repo = client.repository(`${testEnv().registry}/${uniqueRepo('limit-ahead')}`)
    const limit = limitOf(MiB)
    try {
      await withTar(randomBytes(3 * MiB), async (_dir, tarPath) => {
        const source = createReadStream(tarPath, { highWaterMark: 256 * 1024 })
        await expect(compressAndPushStream({ repo, source, compression: gzip, limit })).rejects.toBe(
          limit.error
        )
        expect(count('PUT', /blobs\/uploads/)).toBe(0)
      })
    } finally {
      client.close()
    }
  })

  it('applies to the fallback when the streamed upload failed below it: the limit is the error, nothing uploaded from the file', async () => {
    const { client, logger } = recordingClient()
    const real = client.repository(`${testEnv().registry}/${uniqueRepo('limit-fallback')}`)
    let fileUploads = 0
    const cutOff: Repository = Object.assign(Object.create(real) as Repository, {
      pushStream: async () => {
        throw new Error('connection reset')
      },
      pushBlob: async (...args: Parameters<Repository['pushBlob']>) => {
        fileUploads++
        return real.pushBlob(...args)
      }
    })
    try {
      await withTar(randomBytes(2 * MiB), async (dir, tarPath) => {
        const size = await compressedSize(dir, tarPath)
        const under = limitOf(size - 1)
        const pushing = compressAndPush({
          repo: cutOff,
          tarPath,
          spoolPath: join(dir, 'spool'),
          compression: gzip,
          logger,
          limit: under
        })
        await expect(pushing).rejects.toBe(under.error)
        expect(logger.text()).toMatch(/compressing it again into a file/)
        expect(fileUploads).toBe(0)
      })
    } finally {
      client.close()
    }
  })
})
