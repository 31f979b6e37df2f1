/** The registry client: one session per registry host, shared limits, blob deduplication. */
import type { ClientOptions, Logger, PushBlobResult } from './types.js'
import { HttpTransport } from './transport/http.js'
import { RegistrySession } from './transport/session.js'
import type { Repository } from './repository.js'
import { RemoteRepository } from './repository.js'
import { InFlight, Limiter } from './limiter.js'
import { parseRepositoryName } from './name/reference.js'
import { DEFAULT_BACKOFF } from './transport/retry.js'
import type { BackoffOptions } from './transport/retry.js'
import type { DeadlinePolicy } from './transport/deadline.js'
import { DEFAULT_DEADLINES, operationDeadlineError } from './transport/deadline.js'

const DEFAULT_CONCURRENCY = 4
const DEFAULT_ATTEMPTS = 5
/** ghcr.io drops an upload after 10 minutes: no exchange may take longer. */
const MAX_DEADLINE_MS = 10 * 60 * 1000 - 1
const DEFAULT_IDLE_MS = 2 * 60 * 1000

const silent: Logger = { debug: () => {}, info: () => {}, warning: () => {} }

export class RegistryClient {
  private readonly transport: HttpTransport
  private readonly sessions = new Map<string, RegistrySession>()
  private readonly limiter: Limiter
  private readonly inFlight = new InFlight<PushBlobResult>()
  private readonly secrets = new Set<string>()
  private readonly backoff: BackoffOptions
  private readonly maxAttempts: number
  private readonly deadlines: DeadlinePolicy
  /** Fires on the caller's signal or the operation deadline: every session stops with it. */
  private readonly stop = new AbortController()
  private deadlineTimer?: NodeJS.Timeout

  constructor(private readonly opts: ClientOptions = {}) {
    const maxMs = Math.min(opts.requestTimeoutMs ?? DEFAULT_DEADLINES.maxMs, MAX_DEADLINE_MS)
    this.deadlines = { ...DEFAULT_DEADLINES, maxMs, baseMs: Math.min(DEFAULT_DEADLINES.baseMs, maxMs) }
    opts.signal?.addEventListener('abort', () => this.stop.abort(opts.signal?.reason), { once: true })
    if (opts.signal?.aborted) this.stop.abort(opts.signal.reason)
    this.limiter = new Limiter(opts.concurrency ?? DEFAULT_CONCURRENCY)
    this.transport = new HttpTransport({
      userAgent: opts.userAgent ?? 'publish-image',
      env: opts.env ?? process.env,
      ca: opts.ca
    })
    this.backoff = { ...DEFAULT_BACKOFF, ...opts.backoff }
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? DEFAULT_ATTEMPTS)
    if (opts.chunkSize !== undefined && !(opts.chunkSize > 0)) throw new Error('chunkSize must be positive')
  }

  /** `host[:port]/path`, e.g. `127.0.0.1:5000/acme/app` or `ghcr.io/acme/app`. */
  repository(name: string): Repository {
    const { registry, repository } = parseRepositoryName(name)
    return new RemoteRepository(repository, {
      session: this.session(registry),
      limiter: this.limiter,
      inFlight: this.inFlight,
      chunkSize: this.opts.chunkSize,
      maxAttempts: this.maxAttempts,
      backoff: this.backoff,
      logger: this.opts.logger ?? silent
    })
  }

  /** Fires when the caller's signal does or the operation deadline passes; pass it on to multiWrite. */
  get signal(): AbortSignal {
    return this.stop.signal
  }

  /**
   * From now on, the client's work must end within `ms`: then no request starts and those in flight
   * stop with an EDEADLINE error naming `what`. Manifest and tag writes in flight still finish.
   */
  startDeadline(ms: number, what: string): void {
    clearTimeout(this.deadlineTimer)
    this.deadlineTimer = setTimeout(() => this.stop.abort(operationDeadlineError(ms, what)), ms)
    this.deadlineTimer.unref()
  }

  /** Closes idle keep-alive connections and stops the deadline. */
  close(): void {
    clearTimeout(this.deadlineTimer)
    this.transport.close()
  }

  private session(registry: string): RegistrySession {
    let session = this.sessions.get(registry)
    if (!session) {
      session = new RegistrySession({
        registry,
        transport: this.transport,
        credentials: this.opts.credentials,
        maxAttempts: this.maxAttempts,
        deadlines: this.deadlines,
        idleTimeoutMs: this.opts.idleTimeoutMs ?? DEFAULT_IDLE_MS,
        backoff: this.backoff,
        logger: this.opts.logger ?? silent,
        secret: value => this.secret(value),
        onRequest: this.opts.onRequest,
        signal: this.stop.signal
      })
      this.sessions.set(registry, session)
    }
    return session
  }

  private secret(value: string): void {
    if (!value || this.secrets.has(value)) return
    this.secrets.add(value)
    this.opts.onSecret?.(value)
  }
}
