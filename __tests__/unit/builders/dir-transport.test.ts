import { describe, expect, it } from '@jest/globals'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { importDirTransport } from '../../../src/builders/layout/dir.js'
import { blobPath } from '../../../src/builders/layout/oci.js'
import { OCI_CONFIG, OCI_INDEX, OCI_MANIFEST, sha256Digest as sha256 } from '../../../src/registry/index.js'
import { withTempDir } from './helpers.js'

const json = (v: unknown) => Buffer.from(JSON.stringify(v))

/** Writes a dir: image (config + one uncompressed layer) and returns its manifest bytes. */
async function writeImage(dir: string, architecture: string): Promise<Buffer> {
  const config = json({ os: 'linux', architecture, rootfs: { type: 'layers', diff_ids: [] } })
  const layer = Buffer.from(`layer tar of ${architecture}`)
  await writeFile(join(dir, sha256(config).slice(7)), config)
  await writeFile(join(dir, sha256(layer).slice(7)), layer)
  return json({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
    layers: [
      { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: sha256(layer), size: layer.length }
    ]
  })
}

describe('importDirTransport', () => {
  it('takes a list (buildah manifest push --all dir:) with its instances as <hex>.manifest.json', async () => {
    await withTempDir(async tmp => {
      const dir = join(tmp, 'dir')
      await mkdir(dir)
      const entries = []
      for (const architecture of ['amd64', 'arm64']) {
        const manifest = await writeImage(dir, architecture)
        await writeFile(join(dir, `${sha256(manifest).slice(7)}.manifest.json`), manifest)
        entries.push({
          mediaType: OCI_MANIFEST,
          digest: sha256(manifest),
          size: manifest.length,
          platform: { os: 'linux', architecture }
        })
      }
      await writeFile(
        join(dir, 'manifest.json'),
        json({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries })
      )
      await writeFile(join(dir, 'version'), 'Directory Transport Version: 1.1\n')
      const images = await importDirTransport(dir, join(tmp, 'oci'))
      expect(images.map(i => i.platform.architecture)).toEqual(['amd64', 'arm64'])
      expect(images.map(i => i.manifest.layers[0]!.mediaType)).toEqual(
        Array(2).fill('application/vnd.oci.image.layer.v1.tar')
      )
      const index = JSON.parse(await readFile(join(tmp, 'oci', 'index.json'), 'utf8'))
      expect(index.manifests).toEqual(entries)
    })
  })

  it('takes a single image whose manifest.json is the image manifest', async () => {
    await withTempDir(async tmp => {
      const dir = join(tmp, 'dir')
      await mkdir(dir)
      const manifest = await writeImage(dir, 'amd64')
      await writeFile(join(dir, 'manifest.json'), manifest)
      const images = await importDirTransport(dir, join(tmp, 'oci'))
      expect(images.map(i => i.descriptor.digest)).toEqual([sha256(manifest)])
      expect(await readFile(blobPath(join(tmp, 'oci'), sha256(manifest)))).toEqual(manifest)
    })
  })
})
