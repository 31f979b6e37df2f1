import { readdir, readFile, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import {
  formatPlatform,
  isImage,
  isIndex,
  OCI_INDEX,
  parseImageIndex,
  parsePlatform,
  samePlatform,
  type Descriptor,
  type ImageConfig,
  type ImageManifest,
  type Platform
} from '../../registry/index.js'
import {
  blobPath,
  blobsDir,
  readConfigBlob,
  readIndexBlob,
  readManifestBlob,
  writeLayoutFiles
} from './oci.js'

/** An image manifest found in a layout, with the platform its config declares. */
export interface FoundImage {
  descriptor: Descriptor
  platform: Platform
  manifest: ImageManifest
  config: ImageConfig
}

export async function readLayoutIndex(layoutDir: string): Promise<Descriptor[]> {
  const file = join(layoutDir, 'index.json')
  return parseImageIndex(await readFile(file), file).manifests
}

/**
 * The image manifests reachable from `entries`, nested indexes flattened. Attestation manifests and
 * entries whose blobs are not in the layout (e.g. other platforms of a base index) are left out.
 */
export async function findImages(layoutDir: string, entries: Descriptor[]): Promise<FoundImage[]> {
  const found: FoundImage[] = []
  for (const entry of entries) {
    if (isAttestation(entry) || !(await hasBlob(layoutDir, entry))) continue
    if (isIndex(entry.mediaType)) {
      const nested = await readIndexBlob(layoutDir, entry.digest)
      found.push(...(await findImages(layoutDir, nested.manifests)))
    } else if (isImage(entry.mediaType)) {
      const image = await readImage(layoutDir, entry)
      if (image) found.push(image)
    }
  }
  return found
}

function isAttestation(d: Descriptor): boolean {
  return (
    d.annotations?.['vnd.docker.reference.type'] === 'attestation-manifest' || d.platform?.os === 'unknown'
  )
}

async function hasBlob(layoutDir: string, d: Descriptor): Promise<boolean> {
  const info = await stat(blobPath(layoutDir, d.digest)).catch(() => undefined)
  return info?.isFile() === true && info.size === d.size
}

async function readImage(layoutDir: string, descriptor: Descriptor): Promise<FoundImage | undefined> {
  const manifest = await readManifestBlob(layoutDir, descriptor.digest)
  if (!(await hasBlob(layoutDir, manifest.config))) return undefined
  const config = await readConfigBlob(layoutDir, manifest.config.digest)
  const platform = config.os && config.architecture ? platformOf(config) : descriptor.platform
  if (!platform || platform.os === 'unknown') return undefined
  return { descriptor, platform, manifest, config }
}

function platformOf(config: ImageConfig): Platform {
  const base = { os: config.os ?? '', architecture: config.architecture ?? '' }
  return config.variant ? { ...base, variant: config.variant } : base
}

export interface LayoutExpectations {
  /** Requested platforms; [] = one native image. */
  platforms: string[]
  labels: Record<string, string>
}

/** The image manifests the layout's index.json reaches (see findImages). */
export async function layoutImages(layoutDir: string): Promise<FoundImage[]> {
  return findImages(layoutDir, await readLayoutIndex(layoutDir))
}

/**
 * The ending every builder shares: `exportImages` writes the layout and returns the images in it, the
 * layout is finalised (finalizeLayout), and if anything fails it is removed. Returns the platforms.
 */
export async function completeLayout(
  layoutDir: string,
  expect: LayoutExpectations,
  exportImages: () => Promise<FoundImage[]>
): Promise<string[]> {
  try {
    return await finalizeLayout(layoutDir, await exportImages(), expect)
  } catch (err) {
    await rm(layoutDir, { recursive: true, force: true })
    throw err
  }
}

/**
 * Rewrites the layout's index.json to list exactly one image manifest per platform (each with its
 * platform), checks blobs and labels, and deletes blobs nothing references. Returns the platforms.
 */
export async function finalizeLayout(
  layoutDir: string,
  images: FoundImage[],
  expect: LayoutExpectations
): Promise<string[]> {
  const chosen = chooseImages(dedupe(images), expect.platforms)
  for (const image of chosen) {
    await checkBlobs(layoutDir, image)
    checkLabels(image, expect.labels)
  }
  const manifests = chosen.map(i => ({
    mediaType: i.descriptor.mediaType,
    digest: i.descriptor.digest,
    size: i.descriptor.size,
    platform: i.platform
  }))
  await writeLayoutFiles(layoutDir, { schemaVersion: 2, mediaType: OCI_INDEX, manifests })
  await removeUnreferencedBlobs(layoutDir, chosen)
  return chosen.map(i => formatPlatform(i.platform))
}

function dedupe(images: FoundImage[]): FoundImage[] {
  return [...new Map(images.map(i => [i.descriptor.digest, i])).values()]
}

function chooseImages(images: FoundImage[], platforms: string[]): FoundImage[] {
  const describe = () => images.map(i => formatPlatform(i.platform)).join(', ') || 'none'
  if (platforms.length === 0) {
    if (images.length !== 1)
      throw new Error(`expected one image for the native platform, the build produced: ${describe()}`)
    return images
  }
  return platforms.map(p => {
    const matches = images.filter(i => samePlatform(i.platform, parsePlatform(p)))
    if (matches.length !== 1) {
      throw new Error(
        `expected one image for ${p}, found ${matches.length} (the build produced: ${describe()})`
      )
    }
    return matches[0] as FoundImage
  })
}

async function checkBlobs(layoutDir: string, image: FoundImage): Promise<void> {
  for (const d of [image.manifest.config, ...image.manifest.layers]) {
    if (!(await hasBlob(layoutDir, d))) {
      throw new Error(
        `the layout is incomplete: blob ${d.digest} of the ${formatPlatform(image.platform)} image is missing`
      )
    }
  }
}

function checkLabels(image: FoundImage, labels: Record<string, string>): void {
  const actual = image.config.config?.Labels ?? {}
  for (const [key, value] of Object.entries(labels)) {
    if (actual[key] !== value) {
      throw new Error(
        `the ${formatPlatform(image.platform)} image lacks the label ${key}=${value} the build was given`
      )
    }
  }
}

async function removeUnreferencedBlobs(layoutDir: string, images: FoundImage[]): Promise<void> {
  const keep = new Set(
    images.flatMap(i =>
      [i.descriptor, i.manifest.config, ...i.manifest.layers].map(d => d.digest.replace('sha256:', ''))
    )
  )
  const dir = blobsDir(layoutDir)
  for (const name of await readdir(dir)) {
    if (!keep.has(name)) await rm(join(dir, name), { recursive: true, force: true })
  }
}
