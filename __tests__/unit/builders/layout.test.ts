import { describe, expect, it } from '@jest/globals'
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { importArchive } from '../../../src/builders/layout/archive.js'
import { finalizeLayout, findImages, readLayoutIndex } from '../../../src/builders/layout/normalize.js'
import { blobPath, writeBlob, writeLayoutFiles } from '../../../src/builders/layout/oci.js'
import {
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  sha256Digest as sha256,
  type Descriptor
} from '../../../src/registry/index.js'
import { withTempDir } from './helpers.js'

const json = (v: unknown) => Buffer.from(JSON.stringify(v))

async function image(dir: string, architecture: string, labels: Record<string, string>): Promise<Descriptor> {
  const layer = await writeBlob(dir, OCI_LAYER_GZIP, Buffer.from(`layer-${architecture}`))
  const config = await writeBlob(
    dir,
    OCI_CONFIG,
    json({ os: 'linux', architecture, config: { Labels: labels } })
  )
  return writeBlob(
    dir,
    OCI_MANIFEST,
    json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] })
  )
}

/** What buildah and buildx write: index.json → nested index → manifests (+ an attestation manifest). */
async function nestedLayout(dir: string, labels = { a: 'b' }): Promise<void> {
  const amd = await image(dir, 'amd64', labels)
  const arm = await image(dir, 'arm64', labels)
  const att = await writeBlob(dir, OCI_MANIFEST, json({ schemaVersion: 2, config: amd, layers: [] }))
  const nested = await writeBlob(
    dir,
    OCI_INDEX,
    json({
      schemaVersion: 2,
      manifests: [
        { ...amd, platform: { os: 'linux', architecture: 'amd64' } },
        { ...arm, platform: { os: 'linux', architecture: 'arm64' } },
        {
          ...att,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.type': 'attestation-manifest' }
        }
      ]
    })
  )
  await writeLayoutFiles(dir, { schemaVersion: 2, manifests: [nested] })
}

describe('finalizeLayout', () => {
  it('flattens nested indexes to one manifest per platform, drops attestations and their blobs', async () => {
    await withTempDir(async dir => {
      await nestedLayout(dir)
      const images = await findImages(dir, await readLayoutIndex(dir))
      const platforms = await finalizeLayout(dir, images, {
        platforms: ['linux/arm64', 'linux/amd64'],
        labels: { a: 'b' }
      })
      expect(platforms).toEqual(['linux/arm64', 'linux/amd64'])
      const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'))
      expect(index.manifests.map((m: Descriptor) => [m.mediaType, m.platform])).toEqual([
        [OCI_MANIFEST, { os: 'linux', architecture: 'arm64' }],
        [OCI_MANIFEST, { os: 'linux', architecture: 'amd64' }]
      ])
      // 2 × (manifest, config, layer); the nested index and the attestation manifest are gone
      expect(await readdir(join(dir, 'blobs', 'sha256'))).toHaveLength(6)
    })
  })
  it('fails when a requested platform was not built', async () => {
    await withTempDir(async dir => {
      await nestedLayout(dir)
      const images = await findImages(dir, await readLayoutIndex(dir))
      await expect(finalizeLayout(dir, images, { platforms: ['linux/s390x'], labels: {} })).rejects.toThrow(
        'expected one image for linux/s390x, found 0 (the build produced: linux/amd64, linux/arm64)'
      )
    })
  })
  it('fails when a config lacks a label the build was given', async () => {
    await withTempDir(async dir => {
      await nestedLayout(dir, { a: 'other' })
      const images = await findImages(dir, await readLayoutIndex(dir))
      await expect(
        finalizeLayout(dir, images, { platforms: ['linux/amd64'], labels: { a: 'b' } })
      ).rejects.toThrow('lacks the label a=b')
    })
  })
  it('fails on a missing layer instead of handing on a broken layout', async () => {
    await withTempDir(async dir => {
      const d = await image(dir, 'amd64', {})
      const manifest = JSON.parse(await readFile(blobPath(dir, d.digest), 'utf8'))
      const { rm } = await import('node:fs/promises')
      await rm(blobPath(dir, manifest.layers[0].digest))
      await writeLayoutFiles(dir, { schemaVersion: 2, manifests: [d] })
      const images = await findImages(dir, await readLayoutIndex(dir))
      await expect(finalizeLayout(dir, images, { platforms: [], labels: {} })).rejects.toThrow(
        'the layout is incomplete'
      )
    })
  })
  it('skips index entries whose blobs are absent (other platforms of a saved base index)', async () => {
    await withTempDir(async dir => {
      const amd = await image(dir, 'amd64', {})
      const absent = { mediaType: OCI_MANIFEST, digest: sha256(Buffer.from('absent')), size: 6 }
      const images = await findImages(dir, [amd, absent])
      expect(await finalizeLayout(dir, images, { platforms: [], labels: {} })).toEqual(['linux/amd64'])
    })
  })
})

describe('importArchive', () => {
  it('converts a docker-archive (engine < 25 `docker save`) into OCI, layers left uncompressed for the push, with the config platform', async () => {
    await withTempDir(async dir => {
      const saved = join(dir, 'saved')
      const layout = join(dir, 'oci')
      await mkdir(join(saved, 'l1'), { recursive: true })
      const layerTar = Buffer.from('pretend this is a layer tar')
      await writeFile(join(saved, 'l1', 'layer.tar'), layerTar)
      const config = json({ os: 'linux', architecture: 'arm', variant: 'v7', config: { Labels: { k: 'v' } } })
      await writeFile(join(saved, 'cfg.json'), config)
      await writeFile(
        join(saved, 'manifest.json'),
        json([{ Config: 'cfg.json', RepoTags: ['t:1'], Layers: ['l1/layer.tar'] }])
      )
      const images = await importArchive(saved, layout)
      expect(
        await finalizeLayout(layout, images, { platforms: ['linux/arm/v7'], labels: { k: 'v' } })
      ).toEqual(['linux/arm/v7'])
      const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8'))
      const entry = index.manifests[0]
      expect(entry.platform).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' })
      const manifest = JSON.parse(await readFile(blobPath(layout, entry.digest), 'utf8'))
      expect(manifest.config).toEqual({
        mediaType: OCI_CONFIG,
        digest: sha256(config),
        size: config.length
      })
      const layerBlob = await readFile(blobPath(layout, manifest.layers[0].digest))
      expect(manifest.layers[0]).toEqual({
        mediaType: OCI_LAYER,
        digest: sha256(layerTar),
        size: layerTar.length
      })
      expect(layerBlob).toEqual(layerTar)
      expect(sha256(await readFile(join(layout, 'blobs', 'sha256', entry.digest.slice(7))))).toBe(
        entry.digest
      )
    })
  })
  it('takes an OCI `docker save` (engine ≥ 25) as it is', async () => {
    await withTempDir(async dir => {
      const saved = join(dir, 'saved')
      const layout = join(dir, 'oci')
      const d = await image(saved, 'amd64', {})
      await writeLayoutFiles(saved, {
        schemaVersion: 2,
        manifests: [{ ...d, annotations: { 'io.containerd.image.name': 'docker.io/library/t:1' } }]
      })
      const images = await importArchive(saved, layout)
      expect(images.map(i => i.descriptor.digest)).toEqual([d.digest])
      expect(await readdir(join(layout, 'blobs', 'sha256'))).toHaveLength(3)
    })
  })
})
