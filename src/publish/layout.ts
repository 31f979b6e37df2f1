import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { sha256, type BlobDescriptor, type ImageManifest, type PlatformSpec, type SerializedManifest } from './manifests.js'

/** One platform's image as the builder left it in the OCI layout. */
export interface LayoutImage {
  platform: PlatformSpec
  manifest: SerializedManifest
  config: BlobDescriptor
  layers: BlobDescriptor[]
}

interface LayoutIndex {
  manifests?: BlobDescriptor[]
}

export function blobPath(layoutDir: string, digest: string): string {
  const [algorithm, hex] = digest.split(':')
  if (!algorithm || !hex) throw new Error(`malformed digest '${digest}' in the OCI layout ${layoutDir}`)
  return join(layoutDir, 'blobs', algorithm, hex)
}

/** Reads the platform images the build stage listed in `<layoutDir>/index.json`, checking every digest. */
export async function readLayoutImages(layoutDir: string): Promise<LayoutImage[]> {
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8')) as LayoutIndex
  const descriptors = index.manifests ?? []
  if (descriptors.length === 0) throw new Error(`the build produced no image: ${layoutDir}/index.json lists nothing`)
  return Promise.all(descriptors.map(desc => readImage(layoutDir, desc)))
}

async function readImage(layoutDir: string, desc: BlobDescriptor): Promise<LayoutImage> {
  if (!desc.platform) throw new Error(`the build's manifest ${desc.digest} has no platform in index.json`)
  const body = await readFile(blobPath(layoutDir, desc.digest))
  const digest = sha256(body)
  if (digest !== desc.digest) throw new Error(`the OCI layout is corrupt: ${desc.digest} hashes to ${digest}`)
  const parsed = JSON.parse(body.toString('utf8')) as ImageManifest
  if (!parsed.config || !Array.isArray(parsed.layers)) {
    throw new Error(`${desc.digest} in the build's layout is not an image manifest (${desc.mediaType})`)
  }
  return {
    platform: desc.platform,
    manifest: { mediaType: parsed.mediaType ?? desc.mediaType, body, digest, size: body.length },
    config: parsed.config,
    layers: parsed.layers
  }
}
