import { labelLines } from '../metadata/index.js'

/** The action's outputs, computed as plain strings from the run's results (pure). */
export interface RunReport {
  /** `build` when absent; a leg pushes by digest only, a merge builds nothing. */
  mode?: 'build' | 'push-by-digest' | 'merge'
  images: string[]
  platforms: string[]
  builder: string
  pushed: boolean
  version: string
  tags: string[]
  tagNames: string[]
  labels: Record<string, string>
  annotations: string[]
  json: unknown
  digest: string
  imageId: string
  refs: string[]
  platformDigests: Record<string, string>
  packageUrl: string
  warnings: string[]
}

export type OutputName =
  | 'digest'
  | 'imageid'
  | 'version'
  | 'tags'
  | 'tag-names'
  | 'labels'
  | 'annotations'
  | 'refs'
  | 'platform-digests'
  | 'metadata'
  | 'json'
  | 'package-url'

/** The `metadata` output: one JSON object with everything the step produced. */
export function metadataObject(r: RunReport): Record<string, unknown> {
  return {
    images: r.images,
    platforms: r.platforms,
    builder: r.builder,
    pushed: r.pushed,
    digest: r.digest,
    imageid: r.imageId,
    version: r.version,
    tags: r.tags,
    'tag-names': r.tagNames,
    labels: r.labels,
    annotations: r.annotations,
    refs: r.refs,
    'platform-digests': r.platformDigests,
    'package-url': r.packageUrl
  }
}

export function buildOutputs(r: RunReport): Record<OutputName, string> {
  return {
    digest: r.digest,
    imageid: r.imageId,
    version: r.version,
    tags: r.tags.join('\n'),
    'tag-names': r.tagNames.join('\n'),
    labels: labelLines(r.labels).join('\n'),
    annotations: r.annotations.join('\n'),
    refs: r.refs.join('\n'),
    'platform-digests': JSON.stringify(r.platformDigests),
    metadata: JSON.stringify(metadataObject(r)),
    json: JSON.stringify(r.json),
    'package-url': r.packageUrl
  }
}
