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

const DEFAULT_CONCURRENCY = 4
const DEFAULT_ATTEMPTS = 5
/** ghcr.io drops an upload after 10 minutes: give up on an exchange before that. */
const DEFAULT_DEADLINE_MS = 9 * 60 * 1000
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

  constructor(private readonly opts: ClientOptions = {}) {
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

  /** Closes idle keep-alive connections. */
  close(): void {
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
        deadlineMs: Math.min(this.opts.requestTimeoutMs ?? DEFAULT_DEADLINE_MS, MAX_DEADLINE_MS),
        idleTimeoutMs: this.opts.idleTimeoutMs ?? DEFAULT_IDLE_MS,
        backoff: this.backoff,
        logger: this.opts.logger ?? silent,
        secret: value => this.secret(value),
        onRequest: this.opts.onRequest,
        signal: this.opts.signal
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
