/**
 * One blob upload session: optional cross-repository mount, then a streamed PUT (or ranged PATCH chunks),
 * resumed from the registry's `Range` after a failure. This loop is the only retry loop of an upload:
 * each request in it is sent once.
 */
import type { Descriptor } from './oci/types.js'
import type { Logger } from './types.js'
import type { HttpResponse } from './transport/http.js'
import type { BlobBody } from './source.js'
import type { RegistrySession } from './transport/session.js'
import { header } from './transport/session.js'
import { RegistryError } from './transport/errors.js'
import type { BackoffOptions } from './transport/retry.js'
import { backoffDelay, sleep } from './transport/retry.js'
import { repositoryScope } from './auth/auth.js'

export interface UploadContext {
  session: RegistrySession
  repository: string
  scopes: string[]
  /** Configured chunk size: chunked from the start when the blob is larger. */
  chunkSize?: number
  maxAttempts: number
  backoff: BackoffOptions
  logger: Logger
  /** HEAD of the blob: after a lost answer the blob may already be complete. */
  exists: () => Promise<boolean>
}

/** ghcr.io answers 416 to ranged PATCH bodies over 4 MiB. */
export const GHCR_MAX_CHUNK = 4 * 1024 * 1024

/** The chunk size of an upload to `registry`: the configured one, else `fallback`; at most 4 MiB on ghcr.io. */
export function chunkSizeFor(registry: string, configured: number | undefined, fallback: number): number {
  if (registry === 'ghcr.io') return Math.min(configured ?? GHCR_MAX_CHUNK, GHCR_MAX_CHUNK)
  return configured ?? fallback
}

/** Fails when the registry says it stored another digest than the one sent. */
export function checkStoredDigest(method: string, res: HttpResponse, sent: string): void {
  const stored = header(res, 'docker-content-digest')
  if (stored && stored !== sent) {
    const message = `the registry stored ${stored}, but we sent ${sent}`
    throw new RegistryError({ method, url: res.url, status: res.status, message, retryable: false })
  }
}

const OCTET_STREAM = { 'content-type': 'application/octet-stream' }

export class BlobUpload {
  private location?: URL
  private offset = 0
  private chunked: boolean
  private chunkSize: number
  private minChunk = 0
  private needsStatus = false

  constructor(
    private readonly ctx: UploadContext,
    private readonly desc: Descriptor,
    private readonly body: BlobBody
  ) {
    // Too large for one exchange within its deadline: chunks, so a timeout costs one chunk, not the blob.
    const largest = ctx.session.largestBody()
    const tooLarge = body.size > largest
    this.chunked = (ctx.chunkSize !== undefined && body.size > ctx.chunkSize) || tooLarge
    this.chunkSize = chunkSizeFor(
      ctx.session.registry,
      ctx.chunkSize,
      tooLarge ? largest : Number.POSITIVE_INFINITY
    )
  }

  /** Tries each source repository; true once one mount is done. A 202 session is kept for the upload. */
  async mount(from: string[]): Promise<boolean> {
    for (const source of from) {
      const target = `/v2/${this.ctx.repository}/blobs/uploads/?mount=${this.desc.digest}&from=${encodeURIComponent(source)}`
      const scopes = [...this.ctx.scopes, repositoryScope(source, false)]
      const outcome = await this.ctx.session.tryOnce({ ...this.call('POST', target, [201, 202]), scopes })
      if (!('res' in outcome)) {
        this.ctx.logger.debug(
          `mount of ${this.desc.digest} from ${source} failed, uploading: ${outcome.error.message}`
        )
        continue
      }
      if (outcome.res.status === 201) {
        this.verifyDigest('POST', outcome.res)
        return true
      }
      this.adoptSession(outcome.res)
      return false
    }
    return false
  }

  async upload(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        if (attempt > 1 && (await this.ctx.exists())) return await this.cancel()
        return await this.step()
      } catch (err) {
        const delay = this.retryDelay(err, attempt)
        if (delay === undefined) {
          await this.cancel()
          throw err
        }
        this.ctx.logger.debug(
          `upload of ${this.desc.digest} resumes in ${delay} ms: ${(err as Error).message}`
        )
        await sleep(delay)
        this.needsStatus = true
      }
    }
  }

  /** DELETE the session (abandoned uploads), ignoring failures. */
  async cancel(): Promise<void> {
    const location = this.location
    this.location = undefined
    this.offset = 0
    if (!location) return
    // Registries may want a `delete` scope for this; it is best effort, so no re-authentication.
    await this.ctx.session.tryOnce({
      ...this.call('DELETE', location, [204, 200, 202, 404]),
      reauthenticate: false
    })
  }

  /**
   * How long to wait before the next step, or undefined to give up. A 416 is worth another step too:
   * the status GET realigns the offset, or the chunks got smaller.
   */
  private retryDelay(err: unknown, attempt: number): number | undefined {
    if (!(err instanceof RegistryError) || !(err.retryable || err.status === 416)) return undefined
    if (attempt >= this.ctx.maxAttempts) return undefined
    const delay = err.retryAfterMs ?? backoffDelay(attempt, this.ctx.backoff)
    return delay > this.ctx.backoff.maxRetryAfterMs ? undefined : delay
  }

  private async step(): Promise<void> {
    if (this.needsStatus && this.location) await this.refreshStatus()
    if (!this.location) await this.start()
    if (this.chunked || this.offset > 0) await this.sendChunks()
    await this.commit()
  }

  private async start(): Promise<void> {
    const res = await this.send(this.call('POST', `/v2/${this.ctx.repository}/blobs/uploads/`, [202]))
    this.adoptSession(res)
  }

  private adoptSession(res: HttpResponse): void {
    const location = header(res, 'location')
    if (!location) throw this.protocolError('POST', res, 'the registry started an upload without a Location')
    this.location = new URL(location, res.url)
    this.offset = 0
    this.minChunk = Number(header(res, 'oci-chunk-min-length') ?? 0) || 0
  }

  /** GET the session: the registry's `Range` says where to resume. Unknown progress starts over. */
  private async refreshStatus(): Promise<void> {
    this.needsStatus = false
    const res = await this.send(this.call('GET', this.location!, [204, 404]))
    if (res.status === 404) {
      this.location = undefined
      this.offset = 0
      return
    }
    this.location = new URL(header(res, 'location') ?? this.location!.href, res.url)
    const end = parseRangeEnd(header(res, 'range'))
    // Distribution writes `0-0` both for 0 and for 1 byte received: ambiguous, so start a new session.
    if (end === undefined || end === 0 || end + 1 > this.body.size) return this.cancel()
    this.offset = end + 1
    this.ctx.logger.debug(`resuming ${this.desc.digest} at byte ${this.offset} of ${this.body.size}`)
  }

  private async sendChunks(): Promise<void> {
    while (this.offset < this.body.size) {
      const end = Math.min(this.body.size, this.offset + Math.max(this.chunkSize, this.minChunk))
      const call = this.call('PATCH', this.location!, [202, 201, 204])
      call.headers = { ...OCTET_STREAM, 'content-range': `${this.offset}-${end - 1}` }
      call.body = this.body.slice(this.offset, end)
      const res = await this.send(call).catch(err => {
        if (err instanceof RegistryError && err.status === 416) this.shrinkChunks(end - this.offset)
        throw err
      })
      this.location = new URL(header(res, 'location') ?? this.location!.href, res.url)
      this.offset = end
    }
  }

  private shrinkChunks(refused: number): void {
    if (refused <= GHCR_MAX_CHUNK) return
    this.chunkSize = GHCR_MAX_CHUNK
    this.ctx.logger.info(`the registry refused a ${refused}-byte chunk (416); continuing with 4 MiB chunks`)
  }

  private async commit(): Promise<void> {
    const url = new URL(this.location!)
    url.searchParams.set('digest', this.desc.digest)
    const call = this.call('PUT', url, [201, 204])
    call.headers = { ...OCTET_STREAM }
    if (this.offset < this.body.size) call.body = this.body.slice(this.offset, this.body.size)
    const res = await this.send(call)
    this.location = undefined
    this.verifyDigest('PUT', res)
  }

  private verifyDigest(method: string, res: HttpResponse): void {
    checkStoredDigest(method, res, this.desc.digest)
  }

  private async send(call: ReturnType<BlobUpload['call']>): Promise<HttpResponse> {
    const outcome = await this.ctx.session.tryOnce(call)
    if ('res' in outcome) return outcome.res
    throw outcome.error
  }

  private call(method: string, target: string | URL, expect: number[]) {
    return {
      method,
      target,
      expect,
      scopes: this.ctx.scopes,
      attempts: 1,
      repository: this.ctx.repository,
      push: true,
      headers: undefined as Record<string, string> | undefined,
      body: undefined as ReturnType<BlobBody['slice']> | undefined
    }
  }

  private protocolError(method: string, res: HttpResponse, message: string): RegistryError {
    return new RegistryError({ method, url: res.url, status: res.status, message, retryable: false })
  }
}

/** `0-1023` (or `bytes=0-1023`) → 1023. */
export function parseRangeEnd(range: string | undefined): number | undefined {
  const m = /(\d+)-(\d+)\s*$/.exec(range ?? '')
  return m ? Number(m[2]) : undefined
}
