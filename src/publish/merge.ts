import { InputError } from '../inputs/errors.js'
import {
  canonicalPlatform,
  DocumentError,
  formatPlatform,
  isImage,
  isImageConfig,
  multiWrite,
  settleAll,
  parseImageConfig,
  parseImageManifest,
  type Descriptor,
  type ImageManifest,
  type Logger,
  type Platform,
  type RegistryClient,
  type Repository
} from '../registry/index.js'
import { checkDeclaredPlatform, checkDistinctPlatforms, type DigestLine } from './digests.js'
import { buildIndex, manifestBytes, type SerializedManifest } from './manifests.js'
import { attestPhase, movedTagsOf, type PublishResult } from './publish.js'
import type { Attest, PublishedAttestation } from './attestations.js'

export interface MergeRequest {
  client: RegistryClient
  /** Full image names; each gets every child, the index and the tags. The first is the primary. */
  images: string[]
  tags: string[]
  digests: DigestLine[]
  annotations: { index: Record<string, string>; manifestDescriptor: Record<string, string> }
  logger: Logger
  /** Where blobs copied from another registry are staged (one file per blob in flight). */
  tempDir: string
  /** Cancels the merge: nothing new starts, tags already moved are put back. */
  signal?: AbortSignal
  /** Attestations of the merged index and its platform manifests, stored before the tags move. */
  attest?: Attest
}

/** A platform manifest pushed by a leg, as found in the registry. */
interface Child {
  digest: string
  platform: Platform
  manifest: SerializedManifest
  blobs: Descriptor[]
  /** The target repositories that already hold it. */
  holders: Repository[]
}

/**
 * Merges platform manifests already pushed by digest: finds each one and reads its platform from its
 * config, copies it to the target images that lack it, pushes the OCI index by digest to every image,
 * and only then moves the tags. Every check happens before the first write.
 */
export async function mergeDigests(req: MergeRequest): Promise<PublishResult> {
  const repos = req.images.map(name => req.client.repository(name))
  const found = await Promise.all(req.digests.map(line => findChild(repos, line)))
  checkDistinctPlatforms(found)
  const children = found.sort((a, b) => compare(canonicalPlatform(a.platform), canonicalPlatform(b.platform)))
  for (const repo of repos) await copyMissing(repo, children, req)
  const index = buildIndex(
    children.map(c => ({ manifest: c.manifest, platform: c.platform })),
    req.annotations.index,
    req.annotations.manifestDescriptor
  )
  req.logger.info(`index of ${children.length} platforms: ${index.digest}`)
  // The children are in every repository now: the index and the tags are all that is left to write.
  const attestations: PublishedAttestation[] = []
  // The merge built none of the platform images: its attestations are about the index it made only
  // (the legs' own stay on their platform manifests).
  const subjects = [{ desc: manifestBytes(index).desc }]
  const reports = await multiWrite(
    req.client,
    req.images,
    { root: manifestBytes(index), manifests: [], blobs: [] },
    {
      tags: req.tags,
      logger: req.logger,
      signal: req.signal,
      beforeTags: attestPhase(req, subjects, attestations, mergedChildren(children))
    }
  )
  return {
    digest: index.digest,
    mediaType: index.mediaType,
    imageId: firstConfig(children),
    platformDigests: Object.fromEntries(children.map(c => [formatPlatform(c.platform), c.digest])),
    refs: req.images.map(name => `${name}@${index.digest}`),
    tags: req.images.flatMap(name => req.tags.map(tag => `${name}:${tag}`)),
    movedTags: movedTagsOf(req.images, reports),
    attestations
  }
}

/** The children were written before multiWrite (copyMissing): they count as written for the attestations. */
function mergedChildren(children: Child[]): Descriptor[] {
  return children.map(c => manifestBytes(c.manifest).desc)
}

/** Finds the manifest in the target images, checks that it is an image, and reads its platform. */
async function findChild(repos: Repository[], line: DigestLine): Promise<Child> {
  const present = await Promise.all(repos.map(repo => repo.headManifest(line.digest)))
  const holders = repos.filter((_, i) => present[i] !== undefined)
  const source = holders[0]
  if (!source) {
    const names = repos.map(r => `${r.registry}/${r.path}`).join(', ')
    throw new InputError(
      'digests',
      `${line.digest} is in none of the images (${names}); push it to one of them first (push-by-digest: true)`
    )
  }
  const got = await source.getManifest(line.digest)
  const image = imageManifestOf(got.body, got.mediaType, line.digest)
  const platform = platformOfConfig(await source.getBlob(image.config.digest), line.digest)
  checkDeclaredPlatform(line, platform)
  const manifest = { mediaType: got.mediaType, body: got.body, digest: line.digest, size: got.body.length }
  return { digest: line.digest, platform, manifest, blobs: [image.config, ...image.layers], holders }
}

/** The parsed manifest when it is an image manifest (OCI or Docker v2) of a container image. */
export function imageManifestOf(body: Buffer, mediaType: string, digest: string): ImageManifest {
  const notImage = (what: string) =>
    new InputError(
      'digests',
      `${digest} is ${what}, not an image manifest; list the digests of platform images`
    )
  if (!isImage(mediaType)) throw notImage(`a ${mediaType || 'manifest of unknown type'}`)
  const parsed = asDigestsInput(() => parseImageManifest(body, `manifest ${digest}`))
  if (!isImageConfig(parsed.config.mediaType)) {
    throw notImage(`an artifact (config ${parsed.config.mediaType})`)
  }
  return parsed
}

/** `os`/`architecture`/`variant` of an image config blob. */
export function platformOfConfig(config: Buffer, digest: string): Platform {
  const { os, architecture, variant } = asDigestsInput(() =>
    parseImageConfig(config, `the image config of ${digest}`)
  )
  if (!os || !architecture) {
    throw new InputError('digests', `the image config of ${digest} names no os/architecture`)
  }
  return variant ? { os, architecture, variant } : { os, architecture }
}

/** A document a listed digest led to is malformed: an error about the `digests` input. */
function asDigestsInput<T>(parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (!(error instanceof DocumentError)) throw error
    throw new InputError('digests', `${error.message}; list the digests of platform images`, { cause: error })
  }
}

/** Gives `repo` the children it lacks: each blob mounted from a repository that has it, then the manifest. */
async function copyMissing(repo: Repository, children: Child[], req: MergeRequest): Promise<void> {
  for (const child of children.filter(c => !c.holders.includes(repo))) {
    req.signal?.throwIfAborted()
    const mountFrom = child.holders.filter(h => h.registry === repo.registry).map(h => h.path)
    const copies = child.blobs.map(desc => copyBlob(repo, desc, mountFrom, child, req.tempDir))
    const results = await settleAll(copies)
    await repo.pushManifest(child.digest, child.manifest.body, child.manifest.mediaType)
    child.holders.push(repo)
    const count = (r: string) => results.filter(x => x === r).length
    req.logger.info(
      `${repo.registry}/${repo.path}@${child.digest} (${formatPlatform(child.platform)}): copied, ${count('mounted')} blobs mounted, ${count('exists')} already there, ${count('uploaded')} uploaded`
    )
  }
}

/** Mounts the blob; when no mount works (another registry, refused), copies it through a temporary file. */
async function copyBlob(
  repo: Repository,
  desc: Descriptor,
  mountFrom: string[],
  child: Child,
  tempDir: string
): Promise<string> {
  const mounted = await repo.mountBlob(desc, mountFrom)
  if (mounted) return mounted
  const source = child.holders[0]
  if (!source) throw new Error(`no image holds ${child.digest}`)
  try {
    return await repo.copyBlobFrom(desc, source, tempDir)
  } catch (error) {
    const where = `${repo.registry}/${repo.path}`
    throw new Error(
      `could not copy blob ${desc.digest} of ${child.digest} from ${source.registry}/${source.path} to ${where}`,
      {
        cause: error
      }
    )
  }
}

function firstConfig(children: Child[]): string {
  const first = children[0]?.blobs[0]
  if (!first) throw new InputError('digests', 'nothing to merge; list the digests the legs pushed')
  return first.digest
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
