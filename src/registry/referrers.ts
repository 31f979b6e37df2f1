/**
 * Storing an artifact (a Sigstore bundle, an in-toto statement, an SBOM) as an OCI 1.1 referrer of a
 * manifest: an image manifest with `artifactType`, the empty config, one layer and `subject`. Where the
 * registry has no referrers API (no `OCI-Subject` header on the PUT: ghcr.io, Distribution 2.8), the
 * `sha256-<hex>` fallback tag's index is updated as well (referrers-tag.ts).
 */
import type { Descriptor } from './oci/types.js'
import type { Repository } from './repository.js'
import { OCI_MANIFEST } from './oci/media-types.js'
import { sha256Digest } from './digest.js'
import { addToReferrersTag, type ReferrersTagOptions } from './referrers-tag.js'

export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json'
export const EMPTY_JSON = new TextEncoder().encode('{}')
export const EMPTY_DESCRIPTOR: Descriptor = {
  mediaType: OCI_EMPTY,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2
}
export const SIGSTORE_BUNDLE_PREFIX = 'application/vnd.dev.sigstore.bundle'

/** What to store: the referrer's artifactType is the layer's mediaType (as GitHub's attest does). */
export interface ReferrerContent {
  mediaType: string
  content: Uint8Array
  /** The statement's predicateType; annotated on Sigstore bundles. */
  predicateType?: string
  /** `org.opencontainers.image.created`; now when absent. */
  created?: string
}

/** A referrer manifest with its exact bytes. */
export interface ReferrerManifest {
  desc: Descriptor
  body: Uint8Array
  layer: Descriptor
}

/** Where a referrer went, and how it can be found. */
export interface PushedReferrer {
  /** The referrer manifest's descriptor (as listed in the fallback index). */
  desc: Descriptor
  /** 'api': the registry indexes `subject` itself (OCI-Subject); 'tag': the fallback tag lists it. */
  via: 'api' | 'tag'
  /** The fallback tag's index digest after the update (via 'tag'). */
  tagIndex?: string
}

/** The annotations GitHub's attest (push-to-registry) writes. */
export function referrerAnnotations(content: ReferrerContent): Record<string, string> {
  const annotations: Record<string, string> = {
    'org.opencontainers.image.created': content.created ?? new Date().toISOString()
  }
  if (content.mediaType.startsWith(SIGSTORE_BUNDLE_PREFIX)) {
    annotations['dev.sigstore.bundle.content'] = 'dsse-envelope'
    if (content.predicateType) annotations['dev.sigstore.bundle.predicateType'] = content.predicateType
  }
  return annotations
}

/** The artifact manifest (image-spec 1.1 "artifact" guidance) naming `subject`. */
export function referrerManifest(subject: Descriptor, content: ReferrerContent): ReferrerManifest {
  const layer: Descriptor = {
    mediaType: content.mediaType,
    digest: sha256Digest(content.content),
    size: content.content.byteLength
  }
  const annotations = referrerAnnotations(content)
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: content.mediaType,
    config: EMPTY_DESCRIPTOR,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    annotations
  }
  const body = new TextEncoder().encode(JSON.stringify(manifest))
  const desc: Descriptor = {
    mediaType: OCI_MANIFEST,
    digest: sha256Digest(body),
    size: body.byteLength,
    artifactType: content.mediaType,
    annotations
  }
  return { desc, body, layer }
}

/**
 * Pushes the referrer by digest (blobs first, through the client's retries and deadlines; mounted from
 * `mountFrom`, other repositories of the registry, when they hold them), then, unless
 * the PUT answered `OCI-Subject`, adds it to the subject's fallback tag index.
 */
export async function pushReferrer(
  repo: Repository,
  subject: Descriptor,
  referrer: ReferrerManifest,
  content: Uint8Array,
  opts: ReferrersTagOptions & { mountFrom?: string[] } = {}
): Promise<PushedReferrer> {
  const mount = { mountFrom: opts.mountFrom ?? [] }
  await repo.pushBlob(EMPTY_DESCRIPTOR, { data: EMPTY_JSON }, mount)
  await repo.pushBlob(referrer.layer, { data: content }, mount)
  const pushed = await repo.pushManifest(referrer.desc.digest, referrer.body, OCI_MANIFEST)
  if (pushed.subject === subject.digest) return { desc: referrer.desc, via: 'api' }
  const tagIndex = await addToReferrersTag(repo, subject.digest, referrer.desc, opts)
  return { desc: referrer.desc, via: 'tag', tagIndex }
}
