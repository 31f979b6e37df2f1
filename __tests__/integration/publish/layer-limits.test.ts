import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compressLayers } from '../../../src/publish/compress-layers.js'
import { readBuiltImages } from '../../../src/publish/layout.js'
import { publishLayout } from '../../../src/publish/publish.js'
import {
  sha256Digest,
  type Compression,
  type RegistryClient,
  type Repository
} from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { capturingLogger, recordingClient } from '../../support/registry/helpers.js'
import { writeLayout } from '../../support/registry/oci-builder.js'

const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar'
const GZIP_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip'
const dirs: string[] = []
const clients: RegistryClient[] = []
afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'layer-limits-'))
  dirs.push(dir)
  return dir
}

/** The local registry's client, whose repositories say they are on `registry` (the limits go by name). */
function clientCalling(registry: string) {
  const recording = recordingClient()
  clients.push(recording.client)
  const real = recording.client
  const client = Object.assign(Object.create(real) as RegistryClient, {
    repository: (name: string): Repository =>
      Object.assign(Object.create(real.repository(name)) as Repository, { registry })
  })
  return { client, requests: recording.requests }
}

/** A layout whose one image lists a layer of `size` bytes that is not there: only its descriptor is read. */
async function layoutWithLayer(mediaType: string, size: number): Promise<string> {
  const dir = await tempDir()
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true })
  const write = async (mediaType: string, body: Buffer) => {
    const digest = sha256Digest(body)
    await writeFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), body)
    return { mediaType, digest, size: body.length }
  }
  const layer = { mediaType, digest: `sha256:${'1'.repeat(64)}`, size }
  const config = await write(
    'application/vnd.oci.image.config.v1+json',
    Buffer.from(
      JSON.stringify({ os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [] } })
    )
  )
  const manifestType = 'application/vnd.oci.image.manifest.v1+json'
  const manifest = await write(
    manifestType,
    Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers: [layer] }))
  )
  const platform = { os: 'linux', architecture: 'amd64' }
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ ...manifest, platform }] })
  )
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  return dir
}

function publishTo(registry: string, layoutDir: string, compression: Compression) {
  const { client, requests } = clientCalling(registry)
  const publishing = publishLayout({
    client,
    layoutDir,
    images: [`${testEnv().registry}/${uniqueRepo('layer-limits')}`],
    tags: ['v1'],
    annotations: { manifest: {}, index: {}, manifestDescriptor: {} },
    forceIndex: false,
    logger: capturingLogger(),
    compression: { compression }
  })
  return { publishing, requests }
}

describe('the layer limits of the push', () => {
  it('fails before any request when a layer pushed as it is (compressed by the builder) is over the limit', async () => {
    const { publishing, requests } = publishTo('ghcr.io', await layoutWithLayer(GZIP_LAYER, 11e9), 'gzip')
    await expect(publishing).rejects.toThrow(
      /^ghcr\.io accepts layers of at most 10 GB; this image has sha256:1{64} \(11\.0 GB\)/
    )
    expect(requests).toEqual([])
  })

  it('fails before any request when nothing is compressed (compression: uncompressed) and a layer is over it', async () => {
    const { publishing, requests } = publishTo(
      'docker.pkg.github.com',
      await layoutWithLayer(OCI_LAYER, 6e9),
      'uncompressed'
    )
    await expect(publishing).rejects.toThrow(/^docker\.pkg\.github\.com accepts layers of at most 5 GB/)
    expect(requests).toEqual([])
  })

  it('lets a layer the push compresses through the check before the push: its compressed size decides', async () => {
    // The layer's file is not there: the push gets as far as compressing it.
    const { publishing } = publishTo('ghcr.io', await layoutWithLayer(OCI_LAYER, 11e9), 'gzip')
    await expect(publishing).rejects.toThrow(/ENOENT.*1{64}/)
  })

  it('stops a layer whose compressed bytes pass the limit, naming the registry and the layer', async () => {
    const dir = await tempDir()
    const layout = await writeLayout(dir, {
      platforms: [{ os: 'linux', architecture: 'amd64', layers: [3 << 20] }]
    })
    const manifests = layout.manifests.map(({ body: _body, ...desc }) => desc)
    await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }))
    const built = await readBuiltImages(dir)
    const recording = recordingClient()
    clients.push(recording.client)
    const layer = built.images[0]!.layers[0]!
    const compressing = compressLayers({
      client: recording.client,
      images: [`${testEnv().registry}/${uniqueRepo('layer-limits')}`],
      tags: [],
      built,
      compression: { compression: 'gzip' },
      baseImages: [],
      limit: { registry: 'ghcr.io', bytes: 2 << 20, name: '2 MiB' },
      logger: capturingLogger()
    })
    await expect(compressing).rejects.toThrow(
      `ghcr.io accepts layers of at most 2 MiB; the layer ${layer.digest} of this image (0.0 GB uncompressed) is larger than that compressed with gzip`
    )
    expect(recording.count('PUT', /blobs\/uploads/)).toBe(0)
  })

  it('hands the limit to the compression: a push whose layer compresses past it fails, no manifest or tag written', async () => {
    const dir = await tempDir()
    const layout = await writeLayout(dir, {
      platforms: [{ os: 'linux', architecture: 'amd64', layers: [3 << 20] }]
    })
    const manifests = layout.manifests.map(({ body: _body, ...desc }) => desc)
    await writeFile(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }))
    const recording = recordingClient()
    clients.push(recording.client)
    const publishing = publishLayout({
      client: recording.client,
      layoutDir: dir,
      images: [`${testEnv().registry}/${uniqueRepo('layer-limits')}`],
      tags: ['v1'],
      annotations: { manifest: {}, index: {}, manifestDescriptor: {} },
      forceIndex: false,
      logger: capturingLogger(),
      layerLimit: { registry: 'ghcr.io', bytes: 2 << 20, name: '2 MiB' }
    })
    await expect(publishing).rejects.toThrow(/^ghcr\.io accepts layers of at most 2 MiB; the layer sha256:/)
    expect(recording.count('PUT', /\/manifests\//)).toBe(0)
  })
})
