/** Manifest GET/HEAD/PUT with media types and digest verification. */
import type { Descriptor } from './oci/types.js'
import type { Call, RegistrySession } from './transport/session.js'
import { header } from './transport/session.js'
import { RegistryError } from './transport/errors.js'
import { digestLike, sha256Digest } from './digest.js'
import { MANIFEST_MEDIA_TYPES, baseMediaType } from './oci/media-types.js'
import { declaredMediaType } from './oci/parse.js'
import { checkManifestReference, isDigestReference } from './name/reference.js'

export interface ManifestTarget {
  session: RegistrySession
  repository: string
  scopes: () => string[]
  push: boolean
}

// The spec asks registries for at least 4 MiB; leave room for larger ones.
const MAX_MANIFEST_BYTES = 16 * 1024 * 1024

function call(t: ManifestTarget, method: string, reference: string, expect: number[]): Call {
  checkManifestReference(reference)
  return {
    method,
    target: `/v2/${t.repository}/manifests/${reference}`,
    scopes: t.scopes(),
    expect,
    repository: t.repository,
    push: t.push,
    maxBodyBytes: MAX_MANIFEST_BYTES,
    // A tag write that started finishes, and moved tags can be put back, even after a cancel.
    cancellable: false
  }
}

export async function headManifest(t: ManifestTarget, reference: string): Promise<Descriptor | undefined> {
  const res = await t.session.call({
    ...call(t, 'HEAD', reference, [200, 404]),
    headers: { accept: MANIFEST_MEDIA_TYPES.join(', ') }
  })
  if (res.status === 404) return undefined
  const digest = header(res, 'docker-content-digest')
  const size = Number(header(res, 'content-length'))
  const mediaType = baseMediaType(header(res, 'content-type'))
  if (!digest || !Number.isFinite(size) || !mediaType) {
    // Some registries omit these on HEAD: the body tells.
    const got = await getManifest(t, reference)
    return { mediaType: got.mediaType, digest: got.digest, size: got.body.length }
  }
  return { mediaType, digest, size }
}

export async function getManifest(
  t: ManifestTarget,
  reference: string,
  accept: string[] = MANIFEST_MEDIA_TYPES
): Promise<{ body: Buffer; mediaType: string; digest: string }> {
  const res = await t.session.call({
    ...call(t, 'GET', reference, [200]),
    headers: { accept: accept.join(', ') }
  })
  const announced = header(res, 'docker-content-digest')
  const expected = isDigestReference(reference) ? reference : announced
  const digest = expected ? digestLike(expected, res.body) : sha256Digest(res.body)
  for (const claim of [reference, announced]) {
    if (claim && isDigestReference(claim) && claim !== digest) {
      throw new RegistryError({
        method: 'GET',
        url: res.url,
        status: res.status,
        retryable: false,
        message: `the manifest received has digest ${digest}, not ${claim}`
      })
    }
  }
  return { body: res.body, mediaType: manifestMediaType(res.body, header(res, 'content-type')), digest }
}

/** The manifest's own mediaType field, else (none, or not JSON) the Content-Type header. */
function manifestMediaType(body: Buffer, contentType: string | undefined): string {
  return declaredMediaType(body) ?? baseMediaType(contentType)
}

/** HEAD first (skip a no-op), then PUT the exact bytes; the registry's digest must be ours. */
/** What the caller already read at the reference: the HEAD before the PUT is skipped. */
export type KnownAtReference = { digest: string } | 'absent'

export async function pushManifest(
  t: ManifestTarget,
  reference: string,
  body: Uint8Array,
  mediaType: string,
  known?: KnownAtReference
): Promise<{ digest: string }> {
  const digest = sha256Digest(body)
  if (isDigestReference(reference) && reference !== digest) {
    throw new Error(`cannot push a manifest whose digest is ${digest} as ${reference}`)
  }
  const existing =
    known !== undefined
      ? knownDescriptor(known)
      : await headManifest(t, reference).catch(err => {
          // A registry may refuse HEAD (403) yet accept the PUT: an unknown answer is not a reason to stop.
          if (err instanceof RegistryError && err.status === 403) return undefined
          throw err
        })
  if (existing?.digest === digest) return { digest }
  const res = await t.session.call({
    ...call(t, 'PUT', reference, [201, 200, 204]),
    headers: { 'content-type': mediaType },
    body: { kind: 'bytes', data: body }
  })
  const stored = header(res, 'docker-content-digest')
  if (stored && stored !== digest) {
    throw new RegistryError({
      method: 'PUT',
      url: res.url,
      status: res.status,
      retryable: false,
      message: `the registry stored manifest ${stored}, but we computed ${digest}`
    })
  }
  return { digest }
}

function knownDescriptor(known: KnownAtReference): { digest: string } | undefined {
  return known === 'absent' ? undefined : known
}
