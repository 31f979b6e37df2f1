import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

export interface CheckedImage {
  platform: { os: string; architecture: string; variant?: string }
  labels: Record<string, string>
  /** Uncompressed layer tars, newest last. */
  layers: Buffer[]
}

/**
 * Reads a layout the way the publish stage will, asserting its contract on the way: one image manifest per
 * platform in index.json, each with `platform`, no nested index, every blob named after its digest.
 */
export async function readCheckedLayout(layoutDir: string): Promise<CheckedImage[]> {
  const blobs = join(layoutDir, 'blobs', 'sha256')
  for (const name of await readdir(blobs)) {
    const digest = createHash('sha256')
      .update(await readFile(join(blobs, name)))
      .digest('hex')
    if (digest !== name) throw new Error(`blob ${name} has digest ${digest}`)
  }
  const blob = (digest: string) => readFile(join(blobs, digest.replace('sha256:', '')))
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8'))
  const images: CheckedImage[] = []
  for (const entry of index.manifests) {
    if (entry.mediaType !== 'application/vnd.oci.image.manifest.v1+json')
      throw new Error(`unexpected ${entry.mediaType}`)
    if (!entry.platform?.os || !entry.platform?.architecture)
      throw new Error(`${entry.digest} has no platform`)
    const manifest = JSON.parse((await blob(entry.digest)).toString('utf8'))
    const config = JSON.parse((await blob(manifest.config.digest)).toString('utf8'))
    const layers = await Promise.all(
      manifest.layers.map(async (l: { mediaType: string; digest: string }) => {
        const data = await blob(l.digest)
        return l.mediaType.endsWith('+gzip') ? gunzipSync(data) : data
      })
    )
    images.push({ platform: entry.platform, labels: config.config?.Labels ?? {}, layers })
  }
  return images
}

/** The content of `path` in the newest layer that has it (a minimal ustar reader). */
export function fileInLayers(layers: Buffer[], path: string): string | undefined {
  for (const layer of [...layers].reverse()) {
    for (let offset = 0; offset + 512 <= layer.length;) {
      const header = layer.subarray(offset, offset + 512)
      const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '')
      if (!name) break
      const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '')
      const size = parseInt(header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8)
      const full = (prefix ? `${prefix}/${name}` : name).replace(/^\.?\//, '')
      if (full === path.replace(/^\//, ''))
        return layer.subarray(offset + 512, offset + 512 + size).toString('utf8')
      offset += 512 + Math.ceil(size / 512) * 512
    }
  }
  return undefined
}
