import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compressLayers } from '../../../src/publish/compress-layers.js'
import { readBuiltImages } from '../../../src/publish/layout.js'
import type { RegistryClient, Repository, StreamedBlob } from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { recordingClient } from '../../support/registry/helpers.js'
import { writeLayout } from '../../support/registry/oci-builder.js'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

/** A one-platform layout of two uncompressed (random) layers, as the build hands it to the push. */
async function builtWithTwoLayers(sizes: [number, number] = [3 << 20, 1 << 20]) {
  const dir = await mkdtemp(join(tmpdir(), 'compress-layers-'))
  dirs.push(dir)
  const layout = await writeLayout(dir, {
    platforms: [{ os: 'linux', architecture: 'amd64', layers: sizes }]
  })
  // The build stage lists the platform images themselves in index.json.
  const manifests = layout.manifests.map(({ body: _body, ...desc }) => desc)
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }))
  return readBuiltImages(dir)
}

/**
 * A client on which the first layer's streamed upload takes its first chunk, then waits until the other
 * layer has failed before it asks for more (it succeeds, if it is let go on); every other upload fails:
 * the second layer's stream, then its upload from a file.
 */
function clientWithOneFailingLayer(real: RegistryClient) {
  const failure = new Error('the registry refused this layer')
  const slow = { chunks: 0, settled: false }
  let failed!: () => void
  const otherFailed = new Promise<void>(resolve => (failed = resolve))
  let streams = 0
  const client = Object.assign(Object.create(real) as RegistryClient, {
    repository: (name: string): Repository => {
      const repo = real.repository(name)
      return Object.assign(Object.create(repo) as Repository, {
        pushStream: async (chunks: AsyncIterable<Uint8Array>, ended: Promise<StreamedBlob>) => {
          if (++streams > 1) throw new Error('streamed upload cut off')
          try {
            for await (const chunk of chunks) {
              slow.chunks += chunk.byteLength > 0 ? 1 : 0
              await otherFailed
              // Time for the failure to reach the other layers (its spool file is closed first).
              await new Promise(resolve => setTimeout(resolve, 100))
            }
            return await ended
          } finally {
            slow.settled = true
          }
        },
        pushBlob: async () => {
          failed()
          throw failure
        }
      })
    }
  })
  return { client, failure, slow }
}

describe('compressLayers', () => {
  it('a failed layer stops the other uploads, and the push fails with it once they have settled', async () => {
    const built = await builtWithTwoLayers([4 << 20, 4 << 20])
    const { client: real, logger } = recordingClient()
    const { client, failure, slow } = clientWithOneFailingLayer(real)
    try {
      const error = await compressLayers({
        client,
        images: [`${testEnv().registry}/${uniqueRepo('compress-layers')}`],
        tags: [],
        built,
        compression: { compression: 'gzip' },
        baseImages: [],
        logger
      }).catch((err: unknown) => err)
      expect(error).toBe(failure)
      expect(slow.settled).toBe(true)
      // 4 MiB of random bytes compress to 4 chunks or more: the slow upload was stopped after its first
      // (its second, on a slow machine).
      expect(slow.chunks).toBeGreaterThan(0)
      expect(slow.chunks).toBeLessThanOrEqual(2)
      // Stopped, it was not compressed again into a file (only the failed layer was).
      expect(logger.text().match(/compressing it again/g)).toHaveLength(1)
    } finally {
      real.close()
    }
  })
})
