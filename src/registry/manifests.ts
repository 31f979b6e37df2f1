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

export interface PushManifestOptions {
  /**
   * Compare-and-swap on a tag: the digest the tag must still name (null: the tag must not exist). Checked
   * by the HEAD before the PUT and sent as If-Match / If-None-Match for registries that honour them; a
   * mismatch throws PreconditionFailed and writes nothing.
   */
  ifMatch?: string | null
  /** Send If-Match / If-None-Match with `ifMatch` (default true); the HEAD check is made either way. */
  conditionalHeaders?: boolean
  /** What the caller read at the reference already: no HEAD is sent again (not with `ifMatch`). */
  known?: KnownAtReference
}

/** What a manifest PUT told: our digest, and the `OCI-Subject` header (OCI 1.1: the referrers API exists). */
export interface PushedManifest {
  digest: string
  /** The OCI-Subject header of the PUT; undefined when the registry sent none or nothing was written. */
  subject?: string
}

/** A compare-and-swap write found the tag changed since it was read (someone else wrote it). */
export class PreconditionFailed extends Error {
  constructor(
    readonly reference: string,
    readonly expected: string | null,
    readonly found: string | undefined,
    options?: ErrorOptions & { refusedByRegistry?: boolean }
  ) {
    super(
      `${reference} names ${found ?? 'nothing'}, not ${expected ?? 'nothing'} as read before: another writer changed it`,
      options
    )
    this.name = 'PreconditionFailed'
    this.refusedByRegistry = options?.refusedByRegistry === true
  }

  /** The registry answered 412 to If-Match/If-None-Match (not our own HEAD check). */
  readonly refusedByRegistry: boolean
}

/** HEAD first (skip a no-op), then PUT the exact bytes; the registry's digest must be ours. */
/** What the caller already read at the reference: the HEAD before the PUT is skipped. */
export type KnownAtReference = { digest: string } | 'absent'

export async function pushManifest(
  t: ManifestTarget,
  reference: string,
  body: Uint8Array,
  mediaType: string,
  opts: PushManifestOptions = {}
): Promise<PushedManifest> {
  const digest = sha256Digest(body)
  if (isDigestReference(reference) && reference !== digest) {
    throw new Error(`cannot push a manifest whose digest is ${digest} as ${reference}`)
  }
  const existing =
    opts.known !== undefined
      ? knownDescriptor(opts.known)
      : await headManifest(t, reference).catch(err => {
          // A registry may refuse HEAD (403) yet accept the PUT: an unknown answer is not a reason to stop.
          if (err instanceof RegistryError && err.status === 403 && opts.ifMatch === undefined)
            return undefined
          throw err
        })
  if (existing?.digest === digest) return { digest }
  if (opts.ifMatch !== undefined && (existing?.digest ?? null) !== opts.ifMatch) {
    throw new PreconditionFailed(reference, opts.ifMatch, existing?.digest)
  }
  const res = await putManifest(t, reference, body, mediaType, opts)
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
  return { digest, subject: header(res, 'oci-subject') }
}

async function putManifest(
  t: ManifestTarget,
  reference: string,
  body: Uint8Array,
  mediaType: string,
  opts: PushManifestOptions
) {
  const headers: Record<string, string> = { 'content-type': mediaType }
  const conditional = opts.conditionalHeaders !== false
  if (conditional && typeof opts.ifMatch === 'string') headers['if-match'] = `"${opts.ifMatch}"`
  if (conditional && opts.ifMatch === null) headers['if-none-match'] = '*'
  try {
    return await t.session.call({
      ...call(t, 'PUT', reference, [201, 200, 204]),
      headers,
      body: { kind: 'bytes', data: body },
      // A compare-and-swap write is not replayed: a late retry of a stale body could overwrite what
      // another writer added since. Its caller re-reads, re-merges and writes again instead.
      ...(opts.ifMatch !== undefined && { attempts: 1 })
    })
  } catch (error) {
    if (error instanceof RegistryError && error.status === 412 && opts.ifMatch !== undefined) {
      throw new PreconditionFailed(reference, opts.ifMatch, undefined, {
        cause: error,
        refusedByRegistry: true
      })
    }
    throw error
  }
}

function knownDescriptor(known: KnownAtReference): { digest: string } | undefined {
  return known === 'absent' ? undefined : known
}
