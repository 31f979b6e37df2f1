import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  parseImageConfig,
  parseImageIndex,
  parseImageManifest,
  sha256Digest,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest
} from '../../registry/index.js'

/** Writing and reading the blobs of the OCI layout a builder leaves (the OCI model is in registry/oci). */

export function blobsDir(layoutDir: string): string {
  return join(layoutDir, 'blobs', 'sha256')
}

export function blobPath(layoutDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':')
  if (algorithm !== 'sha256' || !hex || !/^[a-f0-9]{64}$/.test(hex))
    throw new Error(`unsupported digest ${digest}`)
  return join(blobsDir(layoutDir), hex)
}

async function readBlob(layoutDir: string, digest: string): Promise<Buffer> {
  return readFile(blobPath(layoutDir, digest))
}

export async function readIndexBlob(layoutDir: string, digest: string): Promise<ImageIndex> {
  return parseImageIndex(await readBlob(layoutDir, digest), `${layoutDir}: index ${digest}`)
}

export async function readManifestBlob(layoutDir: string, digest: string): Promise<ImageManifest> {
  return parseImageManifest(await readBlob(layoutDir, digest), `${layoutDir}: manifest ${digest}`)
}

export async function readConfigBlob(layoutDir: string, digest: string): Promise<ImageConfig> {
  return parseImageConfig(await readBlob(layoutDir, digest), `${layoutDir}: image config ${digest}`)
}

/** Stores `data` as a blob and returns its descriptor. */
export async function writeBlob(layoutDir: string, mediaType: string, data: Buffer): Promise<Descriptor> {
  const digest = sha256Digest(data)
  await mkdir(blobsDir(layoutDir), { recursive: true })
  await writeFile(blobPath(layoutDir, digest), data)
  return { mediaType, digest, size: data.length }
}

export async function writeLayoutFiles(layoutDir: string, index: ImageIndex): Promise<void> {
  await writeFile(join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  await writeFile(join(layoutDir, 'index.json'), JSON.stringify(index))
}
