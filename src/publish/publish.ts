import { formatPlatform } from '../builders/options/platforms.js'
import type { RegistryClient, Repository } from '../registry/index.js'
import { readBuiltImages, type LayoutImage } from './layout.js'
import { assertLayerSizes } from './limits.js'
import { moveTags } from './tags.js'
import {
  annotateManifest,
  buildIndex,
  OCI_INDEX,
  type BlobDescriptor,
  type SerializedManifest
} from './manifests.js'

export interface PublishLogger {
  info(msg: string): void
  debug(msg: string): void
}

export interface AnnotationSet {
  manifest: Record<string, string>
  index: Record<string, string>
  manifestDescriptor: Record<string, string>
}

export interface PublishRequest {
  client: RegistryClient
  layoutDir: string
  /** Full image names (`host/path`), repository paths already lowercased. The first is the primary. */
  images: string[]
  /** Tag names to point at the result in every image; empty pushes by digest only. */
  tags: string[]
  annotations: AnnotationSet
  /** Publish an index even when the build produced one platform (more were asked for). */
  forceIndex: boolean
  /** A leg of a multi-runner build: platform manifests by digest only, no index, no tags. */
  byDigest?: boolean
  logger: PublishLogger
}

export interface PublishResult {
  /**
   * The registry's digest of what the tags point at: the index, or the single manifest. By digest: the
   * single manifest's, or '' for several platforms (no index is pushed; see platformDigests).
   */
  digest: string
  mediaType: string
  /** Config digest of the first platform. */
  imageId: string
  platformDigests: Record<string, string>
  refs: string[]
  tags: string[]
}

interface PreparedImage extends LayoutImage {
  published: SerializedManifest
}

/**
 * Pushes the build's layout to every image: blobs, then platform manifests by digest, then the
 * index by digest, and only when all of that is in every repository, the tags.
 */
export async function publishLayout(req: PublishRequest): Promise<PublishResult> {
  const built = await readBuiltImages(req.layoutDir)
  const prepared = built.images.map(img => ({
    ...img,
    published: annotateManifest(img.manifest, req.annotations.manifest)
  }))
  const root = rootOf(req, prepared)
  const repos = req.images.map(name => req.client.repository(name))
  for (const repo of repos)
    assertLayerSizes(
      repo.registry,
      prepared.flatMap(img => img.layers)
    )
  let platformDigests: Record<string, string> = {}
  for (const [i, repo] of repos.entries()) {
    const mountFrom = repos
      .slice(0, i)
      .filter(r => r.registry === repo.registry)
      .map(r => r.path)
    platformDigests = await pushPlatforms(repo, prepared, built.blobPath, req.logger, mountFrom)
    if (root?.mediaType === OCI_INDEX) await repo.pushManifest(root.digest, root.body, root.mediaType)
    req.logger.info(`${repo.registry}/${repo.path}${root ? `@${root.digest}` : ''}: complete`)
  }
  const tags = req.byDigest ? [] : req.tags
  if (root) await moveTags(repos, tags, root, req.logger)
  const digests = root ? [root.digest] : Object.values(platformDigests)
  return {
    digest: root?.digest ?? '',
    mediaType: root?.mediaType ?? '',
    imageId: firstOf(prepared).config.digest,
    platformDigests,
    refs: req.images.flatMap(name => digests.map(digest => `${name}@${digest}`)),
    tags: req.images.flatMap(name => tags.map(tag => `${name}:${tag}`))
  }
}

/** What the tags point at: the index, or the single manifest; nothing for a leg of several platforms. */
function rootOf(req: PublishRequest, prepared: PreparedImage[]): SerializedManifest | undefined {
  if (req.byDigest) return prepared.length === 1 ? firstOf(prepared).published : undefined
  if (!req.forceIndex && prepared.length === 1) return firstOf(prepared).published
  return buildIndex(
    prepared.map(p => ({ manifest: p.published, platform: p.platform })),
    req.annotations.index,
    req.annotations.manifestDescriptor
  )
}

async function pushPlatforms(
  repo: Repository,
  images: PreparedImage[],
  blobPath: (digest: string) => string,
  logger: PublishLogger,
  mountFrom: string[]
): Promise<Record<string, string>> {
  const blobs = uniqueBlobs(images)
  const results = await Promise.all(
    blobs.map(desc => repo.pushBlob(desc, { path: blobPath(desc.digest) }, { mountFrom }))
  )
  const uploaded = results.filter(r => r === 'uploaded').length
  const mounted = results.filter(r => r === 'mounted').length
  logger.info(
    `${repo.registry}/${repo.path}: ${blobs.length} blobs (${uploaded} uploaded, ${mounted} mounted, ${blobs.length - uploaded - mounted} already there)`
  )
  const digests: Record<string, string> = {}
  for (const img of images) {
    const { digest } = await repo.pushManifest(
      img.published.digest,
      img.published.body,
      img.published.mediaType
    )
    digests[formatPlatform(img.platform)] = digest
  }
  return digests
}

function uniqueBlobs(images: PreparedImage[]): BlobDescriptor[] {
  const byDigest = new Map<string, BlobDescriptor>()
  for (const img of images) for (const b of [img.config, ...img.layers]) byDigest.set(b.digest, b)
  return [...byDigest.values()]
}

function firstOf<T>(items: T[]): T {
  const first = items[0]
  if (first === undefined) throw new Error('the build produced no image')
  return first
}
