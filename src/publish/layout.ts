import { readOciLayout } from '../registry/index.js'
import type { BlobDescriptor, ImageManifest, PlatformSpec, SerializedManifest } from './manifests.js'

/** One platform's image as the builder left it in the OCI layout. */
export interface LayoutImage {
  platform: PlatformSpec
  manifest: SerializedManifest
  config: BlobDescriptor
  layers: BlobDescriptor[]
}

export interface BuiltImages {
  images: LayoutImage[]
  blobPath(digest: string): string
}

/** Reads the platform images the build stage listed in the layout's index.json, checking every digest. */
export async function readBuiltImages(layoutDir: string): Promise<BuiltImages> {
  const layout = await readOciLayout(layoutDir)
  if (layout.index.manifests.length === 0) {
    throw new Error(`the build produced no image: ${layoutDir}/index.json lists nothing`)
  }
  const images = await Promise.all(
    layout.index.manifests.map(async desc => {
      if (!desc.platform) throw new Error(`the build's manifest ${desc.digest} has no platform in index.json`)
      const body = await layout.readBlob(desc.digest)
      const parsed = JSON.parse(body.toString('utf8')) as ImageManifest
      if (!parsed.config || !Array.isArray(parsed.layers)) {
        throw new Error(`${desc.digest} in the build's layout is not an image manifest (${desc.mediaType})`)
      }
      const manifest = {
        mediaType: parsed.mediaType ?? desc.mediaType,
        body,
        digest: desc.digest,
        size: body.length
      }
      return { platform: desc.platform, manifest, config: parsed.config, layers: parsed.layers }
    })
  )
  return { images, blobPath: layout.blobPath }
}
