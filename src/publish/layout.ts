import { parseImageManifest, readOciLayout, type Descriptor, type Platform } from '../registry/index.js'
import type { SerializedManifest } from './manifests.js'

/** One platform's image as the builder left it in the OCI layout. */
export interface LayoutImage {
  platform: Platform
  manifest: SerializedManifest
  config: Descriptor
  layers: Descriptor[]
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
      const parsed = parseImageManifest(body, `the build's manifest ${desc.digest} (${desc.mediaType})`)
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
