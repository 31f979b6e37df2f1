import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256Digest } from '../../registry/index.js'
import type { Platform } from '../options/platforms.js'

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json'
} as const

export const INDEX_TYPES: readonly string[] = [MediaType.ociIndex, MediaType.dockerList]
export const MANIFEST_TYPES: readonly string[] = [MediaType.ociManifest, MediaType.dockerManifest]

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: Platform
  annotations?: Record<string, string>
}

export interface ImageIndex {
  schemaVersion: 2
  mediaType?: string
  manifests: Descriptor[]
}

export interface ImageManifest {
  schemaVersion: 2
  mediaType?: string
  config: Descriptor
  layers: Descriptor[]
}

export interface ImageConfig {
  os?: string
  architecture?: string
  variant?: string
  config?: { Labels?: Record<string, string> | null }
}

export function blobsDir(layoutDir: string): string {
  return join(layoutDir, 'blobs', 'sha256')
}

export function blobPath(layoutDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':')
  if (algorithm !== 'sha256' || !hex || !/^[a-f0-9]{64}$/.test(hex))
    throw new Error(`unsupported digest ${digest}`)
  return join(blobsDir(layoutDir), hex)
}

export async function readBlobJson<T>(layoutDir: string, digest: string): Promise<T> {
  return JSON.parse(await readFile(blobPath(layoutDir, digest), 'utf8')) as T
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
