/**
 * Layers whose compressed form is already in a registry, by their uncompressed digest (diffID): read
 * from images there (base images, the tags a push is about to move) through their configs' diff_ids.
 * A layer found here is mounted or found, never compressed again: base layers stay byte-identical.
 */
import type { RegistryClient } from './client.js'
import type { Logger } from './types.js'
import type { Descriptor, Platform } from './oci/types.js'
import { parseReference } from './name/reference.js'
import { isIndex, isManifest } from './oci/media-types.js'
import { parseImageConfig, parseImageIndex, parseImageManifest } from './oci/parse.js'

export interface KnownLayer {
  /** The compressed layer as that image references it. */
  desc: Descriptor
  /** `host/path` of a repository holding it. */
  repository: string
}

/**
 * diffID → the compressed layer, from the images `refs` (`host/path[:tag][@digest]`) name; only the
 * children of an index whose platform is one of `platforms` (all when empty). An image that cannot be
 * read is skipped (logged): this only saves work.
 */
export async function findKnownLayers(
  client: RegistryClient,
  refs: string[],
  platforms: Platform[],
  logger: Pick<Logger, 'debug'>
): Promise<Map<string, KnownLayer>> {
  const known = new Map<string, KnownLayer>()
  await Promise.all(
    [...new Set(refs)].map(ref =>
      layersOf(client, ref, platforms, known).catch(error =>
        logger.debug(`no known layers from ${ref}: ${String((error as Error).message ?? error)}`)
      )
    )
  )
  return known
}

async function layersOf(
  client: RegistryClient,
  ref: string,
  platforms: Platform[],
  known: Map<string, KnownLayer>
): Promise<void> {
  const parsed = parseReference(ref)
  const repository = `${parsed.registry}/${parsed.repository}`
  const repo = client.repository(repository)
  const top = await repo.getManifest(parsed.digest ?? parsed.tag!)
  const manifests: Buffer[] = []
  if (isIndex(top.mediaType)) {
    const children = parseImageIndex(top.body, `the index of ${ref}`).manifests.filter(
      child => isManifest(child.mediaType) && wanted(child.platform, platforms)
    )
    for (const child of children) manifests.push((await repo.getManifest(child.digest)).body)
  } else {
    manifests.push(top.body)
  }
  for (const body of manifests) {
    const manifest = parseImageManifest(body, `a manifest of ${ref}`)
    const config = parseImageConfig(await repo.getBlob(manifest.config.digest), `the config of ${ref}`)
    const diffIds = config.rootfs?.diff_ids ?? []
    if (diffIds.length !== manifest.layers.length) continue
    manifest.layers.forEach((desc, i) => {
      const diffId = diffIds[i]!
      if (!known.has(diffId))
        known.set(diffId, {
          desc: { mediaType: desc.mediaType, digest: desc.digest, size: desc.size },
          repository
        })
    })
  }
}

function wanted(platform: Platform | undefined, platforms: Platform[]): boolean {
  if (platforms.length === 0 || !platform) return true
  return platforms.some(
    p =>
      p.os === platform.os &&
      p.architecture === platform.architecture &&
      (p.variant ?? '') === (platform.variant ?? '')
  )
}
