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
  /** Per image: what cleanup deleted (a dry run: would delete) and kept on purpose. */
  cleanup?: CleanupReport[]
  packageVisibility?: string
  /** The attestations stored as referrers, in every image (first image first). */
  attestations?: AttestationReport[]
  /** `owner/repo` of the workflow: the `-R` of `gh attestation verify`. */
  repository?: string
}

/** One attestation stored as a referrer of one subject in one image. */
export interface AttestationReport {
  image: string
  kind: 'provenance' | 'sbom'
  /** `os/arch[/variant]`, or `index` for the index. */
  subject: string
  subjectDigest: string
  referrer: string
  signed: boolean
}

export interface CleanupReport {
  image: string
  dryRun: boolean
  deleted: string[]
  skipped: { digest: string; reason: string }[]
}

/** The `deleted` output: `image@digest` lines. */
export function deletedRefs(r: RunReport): string[] {
  return (r.cleanup ?? []).flatMap(c => c.deleted.map(d => `${c.image}@${d}`))
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
  | 'package-visibility'
  | 'deleted'
  | 'attestation-digests'

/**
 * The `attestation-digests` output: for the first image, each subject (`index`, `linux/amd64`, …) → the
 * digest of its referrer manifest; the provenance's when a subject has several attestations.
 */
export function attestationDigests(r: RunReport): Record<string, string> {
  const first = (r.attestations ?? []).filter(a => a.image === r.images[0])
  const ordered = [
    ...first.filter(a => a.kind === 'provenance'),
    ...first.filter(a => a.kind !== 'provenance')
  ]
  const out: Record<string, string> = {}
  for (const a of ordered) out[a.subject] ??= a.referrer
  return out
}

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
    'package-url': r.packageUrl,
    'package-visibility': r.packageVisibility ?? '',
    deleted: deletedRefs(r).join('\n'),
    'attestation-digests': attestationDigests(r)
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
    'package-url': r.packageUrl,
    'package-visibility': r.packageVisibility ?? '',
    deleted: deletedRefs(r).join('\n'),
    'attestation-digests': JSON.stringify(attestationDigests(r))
  }
}
