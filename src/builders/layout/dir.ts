/**
 * containers/image's `dir:` transport as an OCI layout. `buildah manifest push --all … dir:` writes the
 * layers as the storage holds them, uncompressed: the push compresses them once, while it uploads.
 * dir: holds manifest.json (the list, or the single image's manifest), `<hex>.manifest.json` per image of
 * a list, and every config and layer as `<hex>`.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  declaredMediaType,
  isIndex,
  OCI_INDEX,
  OCI_MANIFEST,
  parseImageIndex,
  sha256Digest,
  type Descriptor
} from '../../registry/index.js'
import { findImages, type FoundImage } from './normalize.js'
import { blobPath, blobsDir, writeLayoutFiles } from './oci.js'

const HEX = /^[a-f0-9]{64}$/
const INSTANCE = /^([a-f0-9]{64})\.manifest\.json$/

/** Moves the images of a dir: directory into `layoutDir` and returns them. */
export async function importDirTransport(dir: string, layoutDir: string): Promise<FoundImage[]> {
  await mkdir(blobsDir(layoutDir), { recursive: true })
  for (const name of await readdir(dir)) {
    const instance = INSTANCE.exec(name)?.[1]
    if (HEX.test(name) || instance)
      await rename(join(dir, name), blobPath(layoutDir, `sha256:${instance ?? name}`))
  }
  const top = await readFile(join(dir, 'manifest.json')).catch(cause => {
    throw new Error(`${dir} is not a dir: transport image (no manifest.json)`, { cause })
  })
  const document = join(dir, 'manifest.json')
  const mediaType = declaredMediaType(top)
  const entries =
    mediaType && isIndex(mediaType)
      ? parseImageIndex(top, document).manifests
      : [await storeSingle(layoutDir, top, mediaType)]
  await writeLayoutFiles(layoutDir, { schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries })
  return findImages(layoutDir, entries)
}

/** The top manifest of a single image is stored under its digest, like the list's instances. */
async function storeSingle(
  layoutDir: string,
  body: Buffer,
  mediaType: string | undefined
): Promise<Descriptor> {
  const digest = sha256Digest(body)
  await writeFile(blobPath(layoutDir, digest), body)
  return { mediaType: mediaType ?? OCI_MANIFEST, digest, size: body.length }
}
