/** One registry host: ping, scheme, authorization, retries, structured errors. Every request goes through `call`. */
import type { CredentialResolver, Credentials, Logger, RequestRecord } from '../types.js'
import type { HttpRequest, HttpResponse, HttpTransport, RequestBody } from './http.js'
import { NetworkError, bodyLength, bytesSent } from './http.js'
import { Authenticator } from '../auth/auth.js'
import { parseChallenges, pickChallenge } from '../auth/challenge.js'
import { RegistryError, hintFor, parseErrorBody, redactUrl } from './errors.js'
import type { BackoffOptions } from './retry.js'
import { backoffDelay, serverRetryDelay, sleep } from './retry.js'
import { hostnameOf } from './loopback.js'
import { isCertificateError } from './tls.js'
import { DOCKER_HUB } from '../name/reference.js'
import type { DeadlinePolicy } from './deadline.js'
import { exchangeDeadlineMs, largestBodyBytes } from './deadline.js'

export interface SessionOptions {
  registry: string
  transport: HttpTransport
  credentials?: CredentialResolver
  maxAttempts: number
  deadlines: DeadlinePolicy
  idleTimeoutMs: number
  backoff: BackoffOptions
  logger: Logger
  secret: (value: string) => void
  onRequest?: (record: RequestRecord) => void
  /** Cancels every cancellable call: none starts once it fired, those in flight stop. */
  signal?: AbortSignal
}

export interface Call {
  method: string
  /** A path on the registry (`/v2/…`) or an absolute URL (an upload Location). */
  target: string | URL
  headers?: Record<string, string>
  body?: RequestBody
  /** Token scopes, push scope first. */
  scopes: string[]
  /** Statuses that are success for this call. */
  expect: number[]
  /** Default: the client's maxAttempts. Upload steps use 1: the upload loop resumes instead. */
  attempts?: number
  followRedirects?: boolean
  maxBodyBytes?: number
  /** A 200 answer's body is streamed to this file instead of memory. */
  saveTo?: string
  /** Bytes the answer is expected to carry (a blob download): its deadline grows with them. */
  responseBytes?: number
  /** Fetch a new token after a 401 and try once more (default true; off for best-effort cancels). */
  reauthenticate?: boolean
  /** For error hints. */
  repository?: string
  push?: boolean
  /**
   * Default true. Manifest reads and writes are not cancellable: a tag write that started finishes,
   * and the tags already moved can be put back after a cancel.
   */
  cancellable?: boolean
}

const MAX_REDIRECTS = 5
const DEFAULT_MAX_BODY = 8 * 1024 * 1024

export type Outcome = { res: HttpResponse } | { error: RegistryError }

/** How a connection closed by the other side shows while a request body is still being sent. */
const CUT_OFF = new Set(['EPIPE', 'ECONNRESET'])

export class RegistrySession {
  readonly registry: string
  readonly auth: Authenticator
  private readonly apiHost: string
  private base?: Promise<URL>
  private credentials?: Promise<Credentials | undefined>
  private readonly warned = new Set<string>()
  /** Set by the ping: every address of the registry host is loopback. */
  private loopback = false
  /** The base URL once a ping chose it (for error messages, which must name the scheme used). */
  private pinged?: URL

  constructor(private readonly opts: SessionOptions) {
    this.registry = opts.registry
    this.apiHost = opts.registry === DOCKER_HUB ? 'registry-1.docker.io' : opts.registry
    this.auth = new Authenticator({
      registry: opts.registry,
      credentials: () => this.resolveCredentials(),
      secret: opts.secret,
      tokenRequest: {
        transport: { send: req => this.send(req) },
        loopbackRegistry: () => this.loopback,
        deadlineMs: exchangeDeadlineMs(0, opts.deadlines),
        idleTimeoutMs: opts.idleTimeoutMs
      }
    })
  }

  /** Sends a call, retrying what may be retried; resolves with an expected answer or throws RegistryError. */
  async call(call: Call): Promise<HttpResponse> {
    const attempts = call.body?.kind === 'stream' ? 1 : (call.attempts ?? this.opts.maxAttempts)
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.tryOnce(call)
      if ('res' in outcome) return outcome.res
      if (!outcome.error.retryable || attempt >= attempts) throw outcome.error
      const delay = outcome.error.retryAfterMs ?? backoffDelay(attempt, this.opts.backoff)
      if (delay > this.opts.backoff.maxRetryAfterMs) throw outcome.error
      this.opts.logger.debug(
        `retrying in ${delay} ms (attempt ${attempt + 1}/${attempts}): ${firstLine(outcome.error)}`
      )
      await sleep(delay)
    }
  }

  /** Classifies one attempt; exported for the upload loop, which retries whole steps itself. */
  async tryOnce(call: Call): Promise<Outcome> {
    try {
      const res = await this.attempt(call)
      if (call.expect.includes(res.status)) return { res }
      return { error: await this.errorFor(call, res) }
    } catch (err) {
      return this.classifyThrown(call, err)
    }
  }

  private classifyThrown(call: Call, err: unknown): Outcome {
    if (err instanceof RegistryError) return { error: err }
    if (err instanceof NetworkError) {
      const base = this.pinged ?? new URL(`https://${this.apiHost}`)
      const url = call.target instanceof URL ? call.target : new URL(call.target, base)
      const message = `${err.code}: ${err.message}`
      const hint = isCertificateError(err)
        ? `The TLS certificate of ${this.registry} is not trusted: add its CA to the system store or NODE_EXTRA_CA_CERTS.`
        : call.body?.kind === 'stream' && CUT_OFF.has(err.code)
          ? `The connection closed while the body was streamed: a registry, or a proxy in front of it, that refuses a streamed upload (for its size, its authorization or its chunked transfer encoding) often closes it without an answer.`
          : undefined
      return {
        error: new RegistryError({
          method: call.method,
          url,
          cause: err,
          message,
          hint,
          retryable: err.retryable
        })
      }
    }
    throw err
  }

  /** The registry's base URL (scheme decided by the first ping). */
  async baseUrl(): Promise<URL> {
    this.base ??= this.ping().catch(err => {
      this.base = undefined
      throw err
    })
    return this.base
  }

  async resolveUrl(target: string | URL): Promise<URL> {
    return target instanceof URL ? target : new URL(target, await this.baseUrl())
  }

  /** Blobs larger than this are uploaded in chunks of this size (see deadline.ts). */
  largestBody(): number {
    return largestBodyBytes(this.opts.deadlines)
  }

  /**
   * What one streamed body may carry, in bytes and in time: its exchange's deadline is the longest
   * (its size is unknown), and the time left after `ms` lets the last bytes and the answer through.
   */
  streamLimits(): { bytes: number; ms: number } {
    const { maxMs, baseMs } = this.opts.deadlines
    return { bytes: this.largestBody(), ms: Math.max(maxMs - baseMs, maxMs / 2) }
  }

  async isAnonymous(): Promise<boolean> {
    return this.auth.isAnonymous()
  }

  /** Sends once with authorization, re-authenticating once on 401, following redirects for GET/HEAD. */
  private async attempt(call: Call): Promise<HttpResponse> {
    const base = await this.baseUrl()
    const url = await this.resolveUrl(call.target)
    const ours = sameOrigin(url, base)
    let authorization = ours ? await this.auth.header(call.scopes) : undefined
    let res = await this.exchange(call, url, authorization)
    const replayable = call.body?.kind !== 'stream'
    if (res.status === 401 && ours && call.reauthenticate !== false && replayable) {
      const challenges = parseChallenges(res.headers['www-authenticate'])
      if (await this.auth.unauthorized(challenges, call.scopes, authorization)) {
        authorization = await this.auth.header(call.scopes)
        res = await this.exchange(call, url, authorization)
      }
    }
    const follow = call.followRedirects && replayable
    for (let hops = 0; follow && isRedirect(res) && hops < MAX_REDIRECTS; hops++) {
      const next = new URL(header(res, 'location')!, res.url)
      // Credentials never leave the registry: storage redirects get no Authorization.
      res = await this.exchange(call, next, sameOrigin(next, base) ? authorization : undefined)
    }
    return res
  }

  private exchange(call: Call, url: URL, authorization: string | undefined): Promise<HttpResponse> {
    const headers = { ...call.headers }
    if (authorization) headers.authorization = authorization
    return this.send({
      method: call.method,
      url,
      headers,
      body: call.body,
      deadlineMs: this.deadlineFor(call),
      idleTimeoutMs: this.opts.idleTimeoutMs,
      maxBodyBytes: call.maxBodyBytes ?? DEFAULT_MAX_BODY,
      saveTo: call.saveTo,
      signal: call.cancellable === false ? undefined : this.opts.signal
    })
  }

  /** A stream's size is unknown: it gets the longest deadline, and its sender bounds what it sends. */
  private deadlineFor(call: Call): number {
    const sent = bodyLength(call.body)
    if (sent === undefined) return this.opts.deadlines.maxMs
    return exchangeDeadlineMs(sent + (call.responseBytes ?? 0), this.opts.deadlines)
  }

  /** Every HTTP exchange of this registry (token requests included) goes through here, and is reported. */
  private async send(req: HttpRequest): Promise<HttpResponse> {
    const started = Date.now()
    const record = (status?: number): void =>
      this.opts.onRequest?.({
        method: req.method,
        url: redactUrl(req.url),
        status,
        bytesSent: bytesSent(req.body),
        durationMs: Date.now() - started
      })
    try {
      const res = await this.opts.transport.send(req)
      record(res.status)
      this.opts.logger.debug(`${req.method} ${redactUrl(req.url)} → ${res.status}`)
      this.showWarnings(res)
      return res
    } catch (err) {
      record(undefined)
      throw err
    }
  }

  /** GET /v2/: learns the auth scheme; https, then plain http only for a host whose addresses are loopback. */
  private async ping(): Promise<URL> {
    this.loopback = await this.opts.transport.isLoopback(hostnameOf(this.apiHost))
    const schemes = this.loopback ? ['https', 'http'] : ['https']
    for (const [i, scheme] of schemes.entries()) {
      const base = new URL(`${scheme}://${this.apiHost}/`)
      const url = new URL('/v2/', base)
      const call: Call = { method: 'GET', target: url, scopes: [], expect: [200, 401] }
      let res: HttpResponse
      try {
        res = await this.exchange(call, url, undefined)
      } catch (err) {
        const last = i === schemes.length - 1
        if (last || isCertificateError(err)) throw err
        this.opts.logger.debug(
          `${url.href} failed (${(err as Error).message}); trying plain http on loopback`
        )
        continue
      }
      if (res.status === 401) this.auth.useChallenges(parseChallenges(res.headers['www-authenticate']))
      else if (res.status !== 200) throw await this.errorFor(call, res)
      this.pinged = base
      return base
    }
    throw new Error('unreachable')
  }

  private async errorFor(call: Call, res: HttpResponse): Promise<RegistryError> {
    const details = call.method === 'HEAD' ? [] : parseErrorBody(res.body)
    const retryAfterMs = serverRetryDelay(header(res, 'retry-after'), details)
    const challenge = pickChallenge(parseChallenges(res.headers['www-authenticate']))
    const hint = hintFor(res.status, details, {
      registry: this.registry,
      repository: call.repository,
      anonymous: await this.isAnonymous(),
      push: call.push ?? false,
      insufficientScope: challenge?.params.error === 'insufficient_scope'
    })
    return new RegistryError({
      method: call.method,
      url: res.url,
      status: res.status,
      details,
      hint,
      retryAfterMs
    })
  }

  private resolveCredentials(): Promise<Credentials | undefined> {
    this.credentials ??= (async () => {
      const creds = await this.opts.credentials?.(this.registry)
      for (const value of [creds?.password, creds?.identityToken, creds?.registryToken]) {
        if (value) this.opts.secret(value)
      }
      return creds
    })()
    return this.credentials
  }

  /** `Warning: 299 - "text"` headers: shown once each, never acted upon. */
  private showWarnings(res: HttpResponse): void {
    const raw = res.headers.warning
    const values: string[] = typeof raw === 'string' ? [raw] : (raw ?? [])
    for (const value of values) {
      const text = /^\s*299\s+\S+\s+"(.*)"/.exec(value)?.[1]
      if (text && !this.warned.has(text)) {
        this.warned.add(text)
        this.opts.logger.warning(`${this.registry}: ${text}`)
      }
    }
  }
}

export function header(res: HttpResponse, name: string): string | undefined {
  const value = res.headers[name.toLowerCase()]
  return Array.isArray(value) ? value[0] : value
}

function isRedirect(res: HttpResponse): boolean {
  return [301, 302, 303, 307, 308].includes(res.status) && header(res, 'location') !== undefined
}

function sameOrigin(a: URL, b: URL): boolean {
  return a.protocol === b.protocol && a.host === b.host
}

function firstLine(err: Error): string {
  return err.message.split('\n')[0] ?? ''
}
