import { afterAll, beforeAll, expect, it } from '@jest/globals'
import { readdirSync, rmSync } from 'node:fs'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { FaultProxy } from '../../support/registry/fault-proxy.js'
import { recordingClient } from '../../support/registry/helpers.js'
import { tempDir } from '../../support/registry/registries.js'
import { writeLayout, type BuiltLayout } from '../../support/registry/oci-builder.js'
import { pushLayout } from '../../../src/registry/index.js'
import { mergeDigests } from '../../../src/publish/merge.js'

const MiB = 1024 * 1024
let proxy: FaultProxy
let layoutDir: string
let layout: BuiltLayout

beforeAll(async () => {
  // Another registry host in front of the same storage: no mount between the two, a copy.
  proxy = new FaultProxy(testEnv().registry)
  await proxy.start()
  layoutDir = tempDir('merge-copy-layout')
  layout = await writeLayout(layoutDir, {
    platforms: [{ os: 'linux', architecture: 'amd64', layers: [65 * MiB, 1000] }]
  })
})
afterAll(async () => {
  await proxy?.stop()
  rmSync(layoutDir, { recursive: true, force: true })
})

it('merges into another registry by copying a layer over 64 MiB through a temporary file', async () => {
  const rec = recordingClient()
  const registry = testEnv().registry
  const [source, target] = [uniqueRepo('merge-src'), uniqueRepo('merge-dst')]
  const staging = tempDir('merge-copy-staging')
  const child = layout.manifests[0]!
  try {
    await pushLayout(rec.client, layoutDir, `${registry}/${source}`)
    const result = await mergeDigests({
      client: rec.client,
      images: [`${registry}/${source}`, `${proxy.host}/${target}`],
      tags: ['v1'],
      digests: [{ digest: child.digest }],
      annotations: { index: {}, manifestDescriptor: {} },
      logger: rec.logger,
      tempDir: staging
    })
    const copied = rec.client.repository(`${registry}/${target}`)
    for (const blob of layout.blobs.filter(b => !b.mediaType.includes('manifest'))) {
      expect(await copied.blobExists(blob.digest)).toBe(true)
    }
    expect((await copied.getManifest('v1')).digest).toBe(result.digest)
    expect(rec.logger.text()).toMatch(/copied, 0 blobs mounted, 0 already there, 3 uploaded/)
    expect(readdirSync(staging)).toEqual([])
  } finally {
    rec.client.close()
    rmSync(staging, { recursive: true, force: true })
  }
})
