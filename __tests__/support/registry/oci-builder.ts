/** Writes multi-platform images of random layers as OCI image layouts (tests and the benchmark). */
import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { once } from 'node:events'

export type ImageFormat = 'oci' | 'docker'

export interface LayoutSpec {
  /** One entry per platform: the layer sizes in bytes. */
  platforms: Array<{ os: string; architecture: string; layers: number[] }>
  format?: ImageFormat
  /** Written to index.json as org.opencontainers.image.ref.name. */
  refName?: string
}

export interface BuiltDescriptor {
  mediaType: string
  digest: string
  size: number
  platform?: { os: string; architecture: string }
}

export interface BuiltLayout {
  dir: string
  root: BuiltDescriptor
  rootBody: Buffer
  manifests: Array<BuiltDescriptor & { body: Buffer }>
  blobs: BuiltDescriptor[]
}

const TYPES = {
  oci: {
    index: 'application/vnd.oci.image.index.v1+json',
    manifest: 'application/vnd.oci.image.manifest.v1+json',
    config: 'application/vnd.oci.image.config.v1+json',
    layer: 'application/vnd.oci.image.layer.v1.tar'
  },
  docker: {
    index: 'application/vnd.docker.distribution.manifest.list.v2+json',
    manifest: 'application/vnd.docker.distribution.manifest.v2+json',
    config: 'application/vnd.docker.container.image.v1+json',
    layer: 'application/vnd.docker.image.rootfs.diff.tar'
  }
}

export async function writeLayout(dir: string, spec: LayoutSpec): Promise<BuiltLayout> {
  const types = TYPES[spec.format ?? 'oci']
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true })
  await writeFile(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  const blobs: BuiltDescriptor[] = []
  const manifests: BuiltLayout['manifests'] = []
  for (const p of spec.platforms) {
    const layers: BuiltDescriptor[] = []
    for (const size of p.layers)
      layers.push({ mediaType: types.layer, ...(await writeRandomBlob(dir, size)) })
    const platform = { os: p.os, architecture: p.architecture }
    const config = {
      ...platform,
      rootfs: { type: 'layers', diff_ids: layers.map(l => l.digest) },
      config: {}
    }
    const configDesc = { mediaType: types.config, ...(await writeBlob(dir, json(config))) }
    blobs.push(configDesc, ...layers)
    const body = json({ schemaVersion: 2, mediaType: types.manifest, config: configDesc, layers })
    manifests.push({ mediaType: types.manifest, ...(await writeBlob(dir, body)), platform, body })
  }
  const strip = ({ body: _body, ...desc }: BuiltLayout['manifests'][number]) => desc
  const rootBody = json({ schemaVersion: 2, mediaType: types.index, manifests: manifests.map(strip) })
  const root = { mediaType: types.index, ...(await writeBlob(dir, rootBody)) }
  const annotations = spec.refName ? { 'org.opencontainers.image.ref.name': spec.refName } : undefined
  await writeFile(join(dir, 'index.json'), json({ schemaVersion: 2, manifests: [{ ...root, annotations }] }))
  return { dir, root, rootBody, manifests, blobs }
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value))
}

async function writeBlob(dir: string, data: Buffer): Promise<{ digest: string; size: number }> {
  const hex = createHash('sha256').update(data).digest('hex')
  await writeFile(join(dir, 'blobs', 'sha256', hex), data)
  return { digest: `sha256:${hex}`, size: data.length }
}

/** Streams `size` random bytes to a blob file (never holds the layer in memory). */
export async function writeRandomBlob(dir: string, size: number): Promise<{ digest: string; size: number }> {
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true })
  const tmp = join(dir, 'blobs', `tmp-${randomBytes(6).toString('hex')}`)
  const out = createWriteStream(tmp)
  const hash = createHash('sha256')
  for (let written = 0; written < size;) {
    const chunk = randomBytes(Math.min(1 << 20, size - written))
    hash.update(chunk)
    written += chunk.length
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
  const hex = hash.digest('hex')
  await rename(tmp, join(dir, 'blobs', 'sha256', hex))
  return { digest: `sha256:${hex}`, size }
}
