/** Shared shapes of the registry client's public API. */

/** Where the pipeline and the registry client log: the Runtime's method names. */
/** Function properties, not methods: a logger's functions are passed around detached. */
export interface Logger {
  info: (message: string) => void
  warning: (message: string) => void
  debug: (message: string) => void
}

export interface Credentials {
  username?: string
  password?: string
  /** An OAuth2 refresh token (docker `identitytoken`), exchanged at the token realm. */
  identityToken?: string
  /** A bearer token sent to the registry as is (docker `registrytoken`). */
  registryToken?: string
}

/** Returns the credentials for a registry host (and, when known, the repository path), or undefined. */
export type CredentialResolver = (
  registryHost: string,
  repository?: string
) => Promise<Credentials | undefined>

/** One HTTP exchange, reported after it completes (for metrics and tests; never carries secrets). */
export interface RequestRecord {
  method: string
  /** Redacted URL. */
  url: string
  /** Undefined when the exchange failed without a response. */
  status?: number
  /** Request body bytes sent (0 for body-less requests). */
  bytesSent: number
  durationMs: number
}

export interface ClientOptions {
  credentials?: CredentialResolver
  /** Blob transfers in flight at once (default 4). */
  concurrency?: number
  /**
   * Upload blobs larger than this in ranged PATCH chunks of this size (capped at 4 MiB on ghcr.io).
   * Default: one streamed PUT. Also makes a stream upload (`pushStream`) send ranged PATCHes of this
   * size, each once complete, instead of its bytes streamed as they come.
   */
  chunkSize?: number
  /** Attempts per request, first one included (default 5). */
  maxAttempts?: number
  /**
   * Longest deadline of one HTTP exchange (default 9 minutes: ghcr.io drops uploads after 10). Each
   * exchange gets 60 s plus the time its bytes take at 256 KiB/s, up to this; blobs too large for that
   * are uploaded in chunks. An overall deadline: `RegistryClient.startDeadline`.
   */
  requestTimeoutMs?: number
  /** Abort an exchange when its connection is silent this long (default 2 minutes). */
  idleTimeoutMs?: number
  /** Backoff between attempts: initialMs × 2^n with jitter, capped at maxMs (defaults 500 ms, 20 s). */
  backoff?: { initialMs?: number; maxMs?: number }
  /** Extra PEM certificates to trust, on top of the system CAs and NODE_EXTRA_CA_CERTS. */
  ca?: string[]
  logger?: Logger
  /** Called with every secret the client handles or obtains (passwords, tokens, base64(user:pass)). */
  onSecret?: (secret: string) => void
  /** Called after every HTTP exchange. */
  onRequest?: (record: RequestRecord) => void
  userAgent?: string
  /**
   * Cancels the client's work: no blob transfer starts once it fired and those in flight stop. Manifest
   * and tag writes are not interrupted, so a caller can finish or put back the tag it is writing.
   */
  signal?: AbortSignal
  /** The environment the client reads (proxies, NODE_EXTRA_CA_CERTS); default process.env. */
  env?: NodeJS.ProcessEnv
}

export type BlobSource = { path: string } | { data: Uint8Array }
export type PushBlobResult = 'exists' | 'mounted' | 'uploaded'
