import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compressLayers } from '../../../src/publish/compress-layers.js'
import { readBuiltImages } from '../../../src/publish/layout.js'
import type { Descriptor, RegistryClient, Repository } from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { recordingClient } from '../../support/registry/helpers.js'
import { writeLayout } from '../../support/registry/oci-builder.js'

const dirs: string[] = []
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

/** A one-platform layout of two uncompressed layers, as the build hands it to the push. */
async function builtWithTwoLayers() {
  const dir = await mkdtemp(join(tmpdir(), 'compress-layers-'))
  dirs.push(dir)
  const layout = await writeLayout(dir, {
    platforms: [{ os: 'linux', architecture: 'amd64', layers: [3 << 20, 1 << 20] }]
  })
  // The build stage lists the platform images themselves in index.json.
  const manifests = layout.manifests.map(({ body: _body, ...desc }) => desc)
  await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }))
  return readBuiltImages(dir)
}

/**
 * A client whose streamed uploads all fail, so that every layer falls back to an upload from a file:
 * the first such upload fails, the others take 300 ms more and then go up.
 */
function clientWithOneFailingLayer(real: RegistryClient) {
  const failure = new Error('the registry refused this layer')
  const state = { fileUploads: 0, slowUploadsDone: 0 }
  const client = Object.assign(Object.create(real) as RegistryClient, {
    repository: (name: string): Repository => {
      const repo = real.repository(name)
      return Object.assign(Object.create(repo) as Repository, {
        pushStream: async () => {
          throw new Error('streamed upload cut off')
        },
        pushBlob: async (desc: Descriptor, source: { path: string }) => {
          if (++state.fileUploads === 1) throw failure
          await new Promise(resolve => setTimeout(resolve, 300))
          const pushed = await repo.pushBlob(desc, source)
          state.slowUploadsDone++
          return pushed
        }
      })
    }
  })
  return { client, failure, state }
}

describe('compressLayers', () => {
  it('fails with the failing layer only once the other layers have settled (nothing still uploads)', async () => {
    const built = await builtWithTwoLayers()
    const { client: real, logger } = recordingClient()
    const { client, failure, state } = clientWithOneFailingLayer(real)
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
      expect(state.fileUploads).toBe(2)
      expect(state.slowUploadsDone).toBe(1)
    } finally {
      real.close()
    }
  })
})
