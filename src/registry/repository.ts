/** Operations on one repository of a registry. */
import type { Descriptor } from './oci/types.js'
import type { BlobSource, Logger, PushBlobResult } from './types.js'
import type { RegistrySession } from './transport/session.js'
import { header } from './transport/session.js'
import type { ManifestTarget, PushedManifest, PushManifestOptions } from './manifests.js'
import * as manifests from './manifests.js'
import * as lifecycle from './lifecycle.js'
import type { Referrers } from './lifecycle.js'
import { RegistryError } from './transport/errors.js'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { assertDigest, digestLike, fileDigest } from './digest.js'
import { repositoryScope } from './auth/auth.js'
import { openSource, type BlobBody } from './source.js'
import type { UploadContext } from './upload.js'
import { BlobUpload } from './upload.js'
import { uploadStream, type StreamedBlob } from './upload-stream.js'
import type { BackoffOptions } from './transport/retry.js'
import type { InFlight, Limiter } from './limiter.js'

export interface Repository {
  readonly registry: string
  readonly path: string
  /** Preflight before a long build: proves the credentials may push here; throws RegistryError with a hint. */
  checkPushAccess(): Promise<void>
  blobExists(digest: string): Promise<boolean>
  /** HEAD, then mount from the given repositories of the same registry, then streamed upload. */
  pushBlob(desc: Descriptor, source: BlobSource, opts?: { mountFrom?: string[] }): Promise<PushBlobResult>
  /**
   * A blob of another repository of this registry, without its bytes: HEAD, then a cross-repository mount
   * from each of `from` in turn. Undefined when the blob is not here and no mount succeeded.
   */
  mountBlob(desc: Descriptor, from: string[]): Promise<'exists' | 'mounted' | undefined>
  /**
   * Uploads bytes still being produced (no HEAD, no mount: the digest is not known yet); `ended` gives
   * their digest and size once the stream ended. Each request is sent once (see upload-stream.ts).
   */
  pushStream(chunks: AsyncIterable<Uint8Array>, ended: Promise<StreamedBlob>): Promise<StreamedBlob>
  /**
   * HEAD first (skip a no-op; `known`: what the caller read at `reference` already, no HEAD again), PUT
   * with Content-Type = mediaType, verify Docker-Content-Digest. With `ifMatch`, a compare-and-swap of a
   * tag (see PushManifestOptions).
   */
  pushManifest(
    reference: string,
    body: Uint8Array,
    mediaType: string,
    opts?: PushManifestOptions
  ): Promise<PushedManifest>
  getManifest(
    reference: string,
    accept?: string[]
  ): Promise<{ body: Buffer; mediaType: string; digest: string }>
  headManifest(reference: string): Promise<Descriptor | undefined>
  /** Small blobs (configs): held in memory, digest verified. */
  getBlob(digest: string): Promise<Buffer>
  /** A blob of any size streamed to `path`, size and digest verified. Takes no transfer slot. */
  downloadBlob(desc: Descriptor, path: string): Promise<void>
  /**
   * A blob of `from` (any registry) copied here in one transfer slot: HEAD, else streamed to a file in
   * `tempDir` (digest verified; a file, so that upload retries can replay it), then uploaded.
   */
  copyBlobFrom(desc: Descriptor, from: Repository, tempDir: string): Promise<PushBlobResult>
  /** Every tag (paginated, `pageSize` per request); [] for a repository the registry does not know. */
  listTags(opts?: { pageSize?: number }): Promise<string[]>
  /** OCI 1.1 referrers of `digest`, or the `sha256-<hex>` fallback tag's index when the API is missing. */
  referrers(digest: string): Promise<Referrers>
  /** DELETE a manifest by digest; 'gone' when it was not there. */
  deleteManifest(digest: string): Promise<'deleted' | 'gone'>
}

export interface RepositoryDeps {
  session: RegistrySession
  limiter: Limiter
  inFlight: InFlight<PushBlobResult>
  chunkSize?: number
  maxAttempts: number
  backoff: BackoffOptions
  logger: Logger
}

const MAX_BLOB_IN_MEMORY = 64 * 1024 * 1024
const BLOB_REDIRECTS = [301, 302, 303, 307, 308]

export class RemoteRepository implements Repository {
  readonly registry: string
  /** Once something is pushed, every request asks for the push scope: one token serves them all. */
  private pushing = false

  constructor(
    readonly path: string,
    private readonly deps: RepositoryDeps
  ) {
    this.registry = deps.session.registry
  }

  /** Starts an upload (the registry checks push rights there, whatever the token says), then cancels it. */
  async checkPushAccess(): Promise<void> {
    this.pushing = true
    const common = { scopes: this.scopes(), repository: this.path, push: true }
    const target = `/v2/${this.path}/blobs/uploads/`
    const res = await this.deps.session.call({ ...common, method: 'POST', target, expect: [202] })
    const location = header(res, 'location')
    if (location) {
      const cancel = {
        ...common,
        method: 'DELETE',
        target: new URL(location, res.url),
        reauthenticate: false
      }
      await this.deps.session.tryOnce({ ...cancel, expect: [204, 200, 202, 404] })
    }
  }

  async blobExists(digest: string): Promise<boolean> {
    assertDigest(digest)
    const res = await this.deps.session.call({
      method: 'HEAD',
      target: `/v2/${this.path}/blobs/${digest}`,
      scopes: this.scopes(),
      // Storage-backed registries answer 307 to a presigned URL for a blob they hold: that means "exists".
      expect: [200, 404, ...BLOB_REDIRECTS],
      repository: this.path,
      push: this.pushing
    })
    if (res.status === 200) return true
    return BLOB_REDIRECTS.includes(res.status) && header(res, 'location') !== undefined
  }

  pushBlob(
    desc: Descriptor,
    source: BlobSource,
    opts: { mountFrom?: string[] } = {}
  ): Promise<PushBlobResult> {
    assertDigest(desc.digest)
    this.pushing = true
    const key = `${this.registry}/${this.path}@${desc.digest}`
    return this.deps.inFlight.run(key, () =>
      this.deps.limiter.run(() => this.pushBlobNow(desc, source, opts))
    )
  }

  private async pushBlobNow(desc: Descriptor, source: BlobSource, opts: { mountFrom?: string[] }) {
    const body = await openSource(source, desc)
    if (await this.blobExists(desc.digest)) return 'exists'
    return this.uploadNow(desc, body, opts)
  }

  private async uploadNow(
    desc: Descriptor,
    body: BlobBody,
    opts: { mountFrom?: string[] }
  ): Promise<PushBlobResult> {
    const upload = new BlobUpload(
      this.uploadContext(() => this.blobExists(desc.digest)),
      desc,
      body
    )
    const from = (opts.mountFrom ?? []).filter(repo => repo !== this.path)
    if (from.length > 0 && (await upload.mount(from))) return 'mounted'
    await upload.upload()
    return 'uploaded'
  }

  mountBlob(desc: Descriptor, from: string[]): Promise<'exists' | 'mounted' | undefined> {
    assertDigest(desc.digest)
    this.pushing = true
    return this.deps.limiter.run(async () => {
      if (await this.blobExists(desc.digest)) return 'exists'
      const noBytes: BlobBody = {
        size: desc.size,
        slice: () => {
          throw new Error(`mountBlob sends no bytes of ${desc.digest}`)
        }
      }
      const upload = new BlobUpload(
        this.uploadContext(() => this.blobExists(desc.digest)),
        desc,
        noBytes
      )
      if (await upload.mount(from.filter(repo => repo !== this.path))) return 'mounted'
      await upload.cancel()
      return undefined
    })
  }

  pushStream(chunks: AsyncIterable<Uint8Array>, ended: Promise<StreamedBlob>): Promise<StreamedBlob> {
    this.pushing = true
    const context = this.uploadContext(() => Promise.resolve(false))
    return this.deps.limiter.run(() => uploadStream(context, chunks, ended))
  }

  pushManifest(
    reference: string,
    body: Uint8Array,
    mediaType: string,
    opts?: PushManifestOptions
  ): Promise<PushedManifest> {
    this.pushing = true
    return manifests.pushManifest(this.manifestTarget(), reference, body, mediaType, opts)
  }

  getManifest(reference: string, accept?: string[]) {
    return manifests.getManifest(this.manifestTarget(), reference, accept)
  }

  headManifest(reference: string): Promise<Descriptor | undefined> {
    return manifests.headManifest(this.manifestTarget(), reference)
  }

  async getBlob(digest: string): Promise<Buffer> {
    assertDigest(digest)
    const res = await this.deps.session.call({
      method: 'GET',
      target: `/v2/${this.path}/blobs/${digest}`,
      scopes: this.scopes(),
      expect: [200],
      followRedirects: true,
      maxBodyBytes: MAX_BLOB_IN_MEMORY,
      repository: this.path
    })
    const actual = digestLike(digest, res.body)
    if (actual !== digest) {
      const message = `the blob received has digest ${actual}, not ${digest} (${header(res, 'content-length')} bytes)`
      throw new RegistryError({ method: 'GET', url: res.url, status: res.status, message, retryable: false })
    }
    return res.body
  }

  async downloadBlob(desc: Descriptor, path: string): Promise<void> {
    assertDigest(desc.digest)
    const res = await this.deps.session.call({
      method: 'GET',
      target: `/v2/${this.path}/blobs/${desc.digest}`,
      scopes: this.scopes(),
      expect: [200],
      followRedirects: true,
      saveTo: path,
      responseBytes: desc.size,
      repository: this.path
    })
    const size = (await stat(path)).size
    const actual = await fileDigest(path, desc.digest)
    if (size !== desc.size || actual !== desc.digest) {
      const message = `the blob received (${size} bytes) has digest ${actual}, not ${desc.digest} (${desc.size} bytes)`
      throw new RegistryError({ method: 'GET', url: res.url, status: res.status, message, retryable: false })
    }
  }

  copyBlobFrom(desc: Descriptor, from: Repository, tempDir: string): Promise<PushBlobResult> {
    assertDigest(desc.digest)
    this.pushing = true
    const key = `${this.registry}/${this.path}@${desc.digest}`
    return this.deps.inFlight.run(key, () =>
      this.deps.limiter.run(async () => {
        if (await this.blobExists(desc.digest)) return 'exists'
        const dir = await mkdtemp(join(tempDir, 'blob-'))
        try {
          const path = join(dir, 'blob')
          await from.downloadBlob(desc, path)
          return await this.uploadNow(desc, await openSource({ path }, desc), {})
        } finally {
          await rm(dir, { recursive: true, force: true })
        }
      })
    )
  }

  listTags(opts: { pageSize?: number } = {}): Promise<string[]> {
    return lifecycle.listTags(this.manifestTarget(), opts.pageSize)
  }

  referrers(digest: string): Promise<Referrers> {
    return lifecycle.referrers(this.manifestTarget(), digest)
  }

  deleteManifest(digest: string): Promise<'deleted' | 'gone'> {
    this.pushing = true
    return lifecycle.deleteManifest(this.manifestTarget(), digest)
  }

  private scopes(): string[] {
    return [repositoryScope(this.path, this.pushing)]
  }

  private manifestTarget(): ManifestTarget {
    return {
      session: this.deps.session,
      repository: this.path,
      scopes: () => this.scopes(),
      push: this.pushing
    }
  }

  private uploadContext(exists: () => Promise<boolean>): UploadContext {
    return {
      session: this.deps.session,
      repository: this.path,
      scopes: this.scopes(),
      chunkSize: this.deps.chunkSize,
      maxAttempts: this.deps.maxAttempts,
      backoff: this.deps.backoff,
      logger: this.deps.logger,
      exists
    }
  }
}
