/**
 * The registry lookups the push needs that do not depend on the build: the layers of the Dockerfile's
 * base images and of the tag the push is about to move (by diffID, see registry/known-layers.ts). Started
 * when the build starts, awaited when the push starts; a lookup that fails only costs a mount.
 */
import {
  findKnownLayers,
  parsePlatform,
  parseReference,
  type KnownLayer,
  type Logger,
  type Platform,
  type RegistryClient
} from '../registry/index.js'
import { hostArchitecture } from '../builders/options/platforms.js'

export interface KnownLayerLookups {
  /** The base image references looked up (on the targets' registry). */
  baseRefs: string[]
  base: Promise<Map<string, KnownLayer>>
  /** The first image's first tag as it is before this push. */
  previous: Promise<Map<string, KnownLayer>>
}

export interface KnownLayerQuery {
  /** Target images (`host/path`); lookups only on their registry, when they share one. */
  images: string[]
  tags: string[]
  /** Images the build names (FROM lines). */
  baseImages: string[]
  /** The build's platforms (`os/arch[/variant]`); none means the host's. */
  platforms: string[]
}

export function lookUpKnownLayers(
  client: RegistryClient,
  query: KnownLayerQuery,
  logger: Pick<Logger, 'debug'>
): KnownLayerLookups {
  const registry = sameRegistry(query.images)
  const onRegistry = (refs: string[]) => refs.filter(ref => registry && registryOf(ref) === registry)
  const platforms = platformsOf(query.platforms)
  const baseRefs = onRegistry(query.baseImages)
  const previousRefs = onRegistry(query.tags.slice(0, 1).map(t => `${query.images[0]}:${t}`))
  return {
    baseRefs,
    base: findKnownLayers(client, baseRefs, platforms, logger),
    previous: findKnownLayers(client, previousRefs, platforms, logger)
  }
}

/** The registry every target is on, or undefined when they span several. */
export function sameRegistry(images: string[]): string | undefined {
  const registries = new Set(images.map(registryOf))
  return registries.size === 1 ? [...registries][0] : undefined
}

export function registryOf(ref: string): string | undefined {
  try {
    return parseReference(ref).registry
  } catch {
    return undefined
  }
}

function platformsOf(requested: string[]): Platform[] {
  if (requested.length === 0) return [{ os: 'linux', architecture: hostArchitecture() }]
  return requested.map(p => parsePlatform(p))
}
