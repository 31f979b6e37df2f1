import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals'
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { testEnv, uniqueRepo } from '../../support/env.js'
import {
  OCI_CONFIG,
  OCI_MANIFEST,
  imageManifest,
  layerOf,
  randomLayer,
  recordingClient
} from '../../support/registry/helpers.js'
import { tempDir } from '../../support/registry/registries.js'
import type { BuiltLayout } from '../../support/registry/oci-builder.js'
import { writeLayout, writeRandomBlob } from '../../support/registry/oci-builder.js'
import { skopeoRaw } from '../../support/registry/skopeo.js'
import {
  RegistryClient,
  InvalidReferenceError,
  multiWrite,
  pushBlobsEarly,
  pushLayout,
  readOciLayout
} from '../../../src/registry/index.js'

const platforms = [
  { os: 'linux', architecture: 'amd64', layers: [20_000, 3_000] },
  { os: 'linux', architecture: 'arm64', layers: [25_000, 4_000] }
]
let dir: string
let oci: BuiltLayout
let docker: BuiltLayout

beforeAll(async () => {
  dir = tempDir('push')
  oci = await writeLayout(join(dir, 'oci'), { platforms, refName: 'v1' })
  docker = await writeLayout(join(dir, 'docker'), { platforms, format: 'docker' })
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const registry = () => testEnv().registry

async function expectSameAsSkopeo(ref: string, layout: BuiltLayout, tags: string[]) {
  for (const tag of tags) expect(await skopeoRaw(`${ref}:${tag}`)).toEqual(layout.rootBody)
  expect(await skopeoRaw(`${ref}@${layout.root.digest}`)).toEqual(layout.rootBody)
  for (const m of layout.manifests) expect(await skopeoRaw(`${ref}@${m.digest}`)).toEqual(m.body)
}

describe('pushing a layout to a plain-HTTP registry', () => {
  it.each([
    ['OCI index', () => oci],
    ['Docker manifest list', () => docker]
  ])('pushes a multi-platform %s, children before the index, tags last', async (_name, get) => {
    const layout = get()
    const { client, requests } = recordingClient()
    const ref = `${registry()}/${uniqueRepo('layout')}`
    try {
      expect(await pushLayout(client, layout.dir, `${ref}:v1`, { tags: ['v1.0'] })).toEqual({
        digest: layout.root.digest
      })
      const got = await client.repository(ref).getManifest('v1')
      expect(got).toEqual({
        body: layout.rootBody,
        mediaType: layout.root.mediaType,
        digest: layout.root.digest
      })
      expect(await client.repository(ref).headManifest('v1.0')).toEqual(layout.root)
    } finally {
      client.close()
    }
    await expectSameAsSkopeo(ref, layout, ['v1', 'v1.0'])
    const writes = requests.filter(r => r.method === 'PUT' && r.status === 201).map(r => r.url)
    const firstManifest = writes.findIndex(u => u.includes('/manifests/'))
    expect(writes.slice(firstManifest).every(u => u.includes('/manifests/'))).toBe(true)
    expect(writes.slice(-2).map(u => u.split('/manifests/')[1])).toEqual(['v1', 'v1.0'])
  })

  it('re-pushes an unchanged image with one HEAD per blob and manifest, uploading nothing', async () => {
    const ref = `${registry()}/${uniqueRepo('again')}`
    const first = new RegistryClient()
    await pushLayout(first, oci.dir, `${ref}:v1`).finally(() => first.close())
    const { client, requests } = recordingClient()
    await pushLayout(client, oci.dir, `${ref}:v1`).finally(() => client.close())
    const api = requests.filter(r => !r.url.endsWith('/v2/'))
    expect(api.every(r => r.method === 'HEAD' && r.status === 200)).toBe(true)
    // One HEAD per blob and child manifest, the root by digest (in every target before any tag), and the
    // tag once: its current digest (kept to put it back if a later tag fails) is also the no-op check.
    const heads = api.map(r => r.url.replace(/.*\/v2\/[^/]+\/[^/]+\//, ''))
    expect(heads.filter(u => u === 'manifests/v1')).toHaveLength(1)
    expect(api).toHaveLength(oci.blobs.length + oci.manifests.length + 1 + 1)
  })

  it('reads a layout the way pushLayout does', async () => {
    const layout = await readOciLayout(oci.dir)
    expect(layout.index.manifests[0]).toMatchObject({ digest: oci.root.digest })
    expect(await layout.readBlob(oci.root.digest)).toEqual(oci.rootBody)
  })
})

describe('blobs', () => {
  it('streams a file, mounts across repositories, and reuses the 202 session of a failed mount', async () => {
    const { client, count, requests } = recordingClient()
    const file = tempDir('file-blob')
    try {
      const desc = {
        mediaType: 'application/vnd.oci.image.layer.v1.tar',
        ...(await writeRandomBlob(file, 300_000))
      }
      const path = join(file, 'blobs', 'sha256', desc.digest.slice(7))
      const source = client.repository(`${registry()}/${uniqueRepo('src')}`)
      const target = client.repository(`${registry()}/${uniqueRepo('dst')}`)
      const elsewhere = client.repository(`${registry()}/${uniqueRepo('other')}`)
      expect(await source.pushBlob(desc, { path })).toBe('uploaded')
      expect(await source.pushBlob(desc, { path })).toBe('exists')
      expect(await target.pushBlob(desc, { path }, { mountFrom: [source.path] })).toBe('mounted')
      // The registry answers 202 (a fresh session) for a source that lacks the blob: the upload goes there.
      const posts = count('POST')
      expect(await elsewhere.pushBlob(desc, { path }, { mountFrom: [uniqueRepo('empty')] })).toBe('uploaded')
      expect(count('POST') - posts).toBe(1)
      expect(requests.at(-1)).toMatchObject({ method: 'PUT', status: 201, bytesSent: 300_000 })
      expect(await elsewhere.blobExists(desc.digest)).toBe(true)
    } finally {
      client.close()
      rmSync(file, { recursive: true, force: true })
    }
  })

  it('uploads in ranged chunks when asked, and shares concurrent pushes of one digest', async () => {
    const { client, count } = recordingClient({ chunkSize: 64 * 1024 })
    const repo = client.repository(`${registry()}/${uniqueRepo('chunks')}`)
    const layer = randomLayer(200_000)
    try {
      const results = await Promise.all([1, 2, 3].map(() => repo.pushBlob(layer.desc, { data: layer.data })))
      expect(results).toEqual(['uploaded', 'uploaded', 'uploaded'])
      expect(count('PATCH')).toBe(4)
      expect(count('HEAD')).toBe(1)
      expect((await repo.getBlob(layer.desc.digest)).equals(layer.data)).toBe(true)
    } finally {
      client.close()
    }
  })

  it('refuses data whose digest is not the descriptor’s before sending anything', async () => {
    const { client, requests } = recordingClient()
    const layer = randomLayer(1000)
    const wrong = { ...layer.desc, digest: layerOf(Buffer.from('x')).digest }
    const repo = client.repository(`${registry()}/${uniqueRepo('bad')}`)
    await expect(repo.pushBlob(wrong, { data: layer.data })).rejects.toThrow(/digest/)
    client.close()
    expect(requests).toEqual([])
  })
})

describe('manifests and access', () => {
  it('skips a manifest PUT when the tag already points at the same bytes; checks push access', async () => {
    const { client, count } = recordingClient()
    const repo = client.repository(`${registry()}/${uniqueRepo('manifest')}`)
    try {
      await repo.checkPushAccess()
      const config = Buffer.from('{"architecture":"amd64","os":"linux"}')
      const layer = randomLayer(5000)
      const configDesc = { ...layerOf(config), mediaType: OCI_CONFIG }
      await repo.pushBlob(configDesc, { data: config })
      await repo.pushBlob(layer.desc, { data: layer.data })
      const body = imageManifest(configDesc, [layer.desc])
      const first = await repo.pushManifest('latest', body, OCI_MANIFEST)
      const again = await repo.pushManifest('latest', body, OCI_MANIFEST)
      expect(again).toEqual(first)
      expect(count('PUT', /\/manifests\//)).toBe(1)
      expect(await repo.getBlob(configDesc.digest)).toEqual(config)
      expect(await repo.headManifest('missing')).toBeUndefined()
    } finally {
      client.close()
    }
  })

  it('refuses repository paths with capitals, saying how to fix them', () => {
    const client = new RegistryClient()
    expect(() => client.repository(`${registry()}/Acme/App`)).toThrow(InvalidReferenceError)
    expect(() => client.repository(`${registry()}/Acme/App`)).toThrow(/use "acme\/app"/)
  })
})

describe('a corrupt layout', () => {
  /** A copy of the OCI layout with one byte of one blob flipped (same size, another digest). */
  function corruptCopy(digest: string): string {
    const copy = join(dir, `corrupt-${digest.slice(7, 15)}`)
    cpSync(join(dir, 'oci'), copy, { recursive: true })
    const path = join(copy, 'blobs', 'sha256', digest.slice(7))
    const bytes = readFileSync(path)
    bytes[0] = bytes[0]! ^ 0xff
    writeFileSync(path, bytes)
    return copy
  }

  it('refuses a manifest whose bytes are not its digest before sending anything', async () => {
    const child = oci.manifests[0]!
    const rec = recordingClient()
    const err = await pushLayout(
      rec.client,
      corruptCopy(child.digest),
      `${registry()}/${uniqueRepo('corrupt')}:v1`
    )
      .catch(e => e)
      .finally(() => rec.client.close())
    expect(String(err.message)).toMatch(`${child.digest.slice(7)} has digest sha256:`)
    expect(rec.requests).toEqual([])
  })

  it('fails on a layer whose bytes are not its digest, and writes no manifest or tag', async () => {
    const layer = oci.blobs.find(b => b.size === 25_000)!
    const rec = recordingClient({ maxAttempts: 1 })
    const repo = uniqueRepo('corrupt-layer')
    const err = await pushLayout(rec.client, corruptCopy(layer.digest), `${registry()}/${repo}:v1`)
      .catch(e => e)
      .finally(() => rec.client.close())
    expect(err).toBeInstanceOf(Error)
    expect(rec.requests.filter(r => r.method === 'PUT' && r.url.includes('/manifests/'))).toEqual([])
    expect(await new RegistryClient().repository(`${registry()}/${repo}`).blobExists(layer.digest)).toBe(
      false
    )
  })
})

describe('multiWrite with blobs pushed early', () => {
  it('pushes them once per repository, mounting from the first, counts them, and writes the rest after', async () => {
    const { client, requests } = recordingClient()
    const [a, b] = [`${registry()}/${uniqueRepo('early-a')}`, `${registry()}/${uniqueRepo('early-b')}`]
    const config = Buffer.from(
      JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })
    )
    const layer = randomLayer(50_000)
    const configDesc = { ...layerOf(config), mediaType: OCI_CONFIG }
    const blobs = [
      { desc: configDesc, source: { data: config } },
      { desc: layer.desc, source: { data: layer.data } }
    ]
    const early = pushBlobsEarly(client, [a, b], blobs.slice(0, 1))
    const body = imageManifest(configDesc, [layer.desc])
    const root = { desc: { ...layerOf(body), mediaType: OCI_MANIFEST }, body }
    const reports = await multiWrite(client, [a, b], { root, manifests: [], blobs }, { tags: ['v1'], early })
    expect(reports.map(r => r.blobs)).toEqual([
      { uploaded: 2, mounted: 0, exists: 0 },
      { uploaded: 0, mounted: 2, exists: 0 }
    ])
    // The config: one HEAD per repository (uploaded to the first, mounted into the second), none from
    // multiWrite itself.
    const configRequests = requests.filter(
      r => r.url.includes(configDesc.digest.replace(':', '%3A')) || r.url.includes(configDesc.digest)
    )
    expect(configRequests.filter(r => r.method === 'HEAD')).toHaveLength(2)
    expect(await client.repository(b).getManifest('v1')).toMatchObject({ digest: root.desc.digest })
    // Early blobs pushed for other targets (or another order) would leave a target without them.
    await expect(multiWrite(client, [b, a], { root, manifests: [], blobs }, { early })).rejects.toThrow(
      'the early blobs were pushed to other targets'
    )
  })
})

describe('multiWrite stopped by its signal', () => {
  const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
  const manifestPut = (url: string, digest: string) => url.endsWith(`/manifests/${digest}`)

  /** Two platform manifests (a config and a layer each) under an index: two levels. */
  function twoPlatformImage() {
    const children = ['amd64', 'arm64'].map(architecture => {
      const config = Buffer.from(
        JSON.stringify({ architecture, os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })
      )
      const configDesc = { ...layerOf(config), mediaType: OCI_CONFIG }
      const layer = randomLayer(20_000)
      const body = imageManifest(configDesc, [layer.desc])
      return {
        manifest: { desc: { ...layerOf(body), mediaType: OCI_MANIFEST }, body },
        platform: { os: 'linux', architecture },
        blobs: [
          { desc: configDesc, source: { data: config } },
          { desc: layer.desc, source: { data: layer.data } }
        ]
      }
    })
    const manifests = children.map(c => ({ ...c.manifest.desc, platform: c.platform }))
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests }))
    return {
      root: { desc: { ...layerOf(body), mediaType: OCI_INDEX }, body },
      manifests: [children.map(c => c.manifest)],
      blobs: children.flatMap(c => c.blobs)
    }
  }

  /** A client that aborts `stop` once a request matching `when` has been answered. */
  function stoppingClient(when: (method: string, url: string) => boolean) {
    const stop = new AbortController()
    const seen: string[] = []
    const { client } = recordingClient({
      onRequest: r => {
        seen.push(`${r.method} ${r.url}`)
        if (when(r.method, r.url)) stop.abort(new Error('the job was cancelled'))
      }
    })
    return { client, stop, seen }
  }

  it('runs no beforeTags (attestations) and moves no tag once stopped during the last manifest', async () => {
    const image = twoPlatformImage()
    const { client, stop } = stoppingClient(
      (m, url) => m === 'PUT' && manifestPut(url, image.root.desc.digest)
    )
    const ref = `${registry()}/${uniqueRepo('stop-tags')}`
    const beforeTags = jest.fn(async () => {})
    try {
      await expect(
        multiWrite(client, [ref], image, { tags: ['v1'], beforeTags, signal: stop.signal })
      ).rejects.toThrow('the job was cancelled')
      expect(beforeTags).not.toHaveBeenCalled()
      expect(await client.repository(ref).getManifest(image.root.desc.digest)).toBeDefined()
      await expect(client.repository(ref).getManifest('v1')).rejects.toMatchObject({ status: 404 })
    } finally {
      client.close()
    }
  })

  it('writes nothing to the next repository once stopped while writing to one', async () => {
    const image = twoPlatformImage()
    const { client, stop, seen } = stoppingClient(
      (m, url) => m === 'PUT' && manifestPut(url, image.root.desc.digest)
    )
    const [a, b] = [uniqueRepo('stop-a'), uniqueRepo('stop-b')]
    try {
      await expect(
        multiWrite(client, [`${registry()}/${a}`, `${registry()}/${b}`], image, { signal: stop.signal })
      ).rejects.toThrow('the job was cancelled')
      expect(seen.filter(r => r.includes(`/${a}/`)).length).toBeGreaterThan(0)
      expect(seen.filter(r => r.includes(`/${b}/`))).toEqual([])
    } finally {
      client.close()
    }
  })

  it('writes no parent manifest once stopped while its children were written', async () => {
    const image = twoPlatformImage()
    const [first] = image.manifests[0]!
    const { client, stop, seen } = stoppingClient(
      (m, url) => m === 'PUT' && manifestPut(url, first!.desc.digest)
    )
    const ref = `${registry()}/${uniqueRepo('stop-level')}`
    try {
      await expect(multiWrite(client, [ref], image, { signal: stop.signal })).rejects.toThrow(
        'the job was cancelled'
      )
      const puts = seen.filter(r => r.startsWith('PUT ') && r.includes('/manifests/'))
      // The level in flight finishes (no half-written level), the next one does not start.
      expect(puts.map(r => r.split('/manifests/')[1]).sort()).toEqual(
        image.manifests[0]!.map(m => m.desc.digest).sort()
      )
    } finally {
      client.close()
    }
  })
})
