/** One HTTP exchange over node:http/https, streamed request bodies, bounded response bodies, deadlines. */
import { createReadStream, createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { Readable } from 'node:stream'
import http from 'node:http'
import https from 'node:https'
import type { IncomingHttpHeaders } from 'node:http'
import { isIP } from 'node:net'
import { defaultCertificates, isCertificateError, systemCertificates } from './tls.js'
import type { LookupFunction } from './loopback.js'
import { isLoopbackAddress, loopbackOnlyLookup, notLoopback, resolvesToLoopback } from './loopback.js'

export type RequestBody =
  | { kind: 'bytes'; data: Uint8Array }
  /** Several buffers sent one after another, as one body (no copy into one buffer). */
  | { kind: 'parts'; parts: Uint8Array[] }
  /** Bytes [start, end) of a file, streamed from disk (replayable: the file is reopened each time). */
  | { kind: 'file'; path: string; start: number; end: number }
  | StreamBody

/**
 * Bytes sent as they come, in chunked transfer encoding (no Content-Length). It can be sent once only:
 * nothing sends it again (no retry, no new authentication, no other certificate store).
 */
export interface StreamBody {
  kind: 'stream'
  source: AsyncIterable<Uint8Array>
  /** Bytes of `source` written so far. */
  sent: number
  /** Whether `source` was read to its end (an answer can come before: a refusal). */
  ended: boolean
}

export interface HttpRequest {
  method: string
  url: URL
  headers: Record<string, string>
  body?: RequestBody
  deadlineMs: number
  idleTimeoutMs: number
  /** Responses bodies larger than this abort the exchange. */
  maxBodyBytes: number
  /** Aborts the exchange (ECANCELED, or the NetworkError given as the abort reason; not retried). */
  signal?: AbortSignal
  /** A 200 answer's body goes to this file (streamed, never held in memory) instead of `body`. */
  saveTo?: string
}

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
  url: URL
}

/** The exchange failed without an HTTP answer (reset, timeout, TLS…). */
export class NetworkError extends Error {
  override name = 'NetworkError'
  readonly code: string
  constructor(message: string, code: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.code = code
  }
  get retryable(): boolean {
    return !NOT_RETRYABLE.has(this.code) && !isCertificateError(this)
  }
}

// A response too large, a local file we cannot read, plain HTTP off loopback, a cancelled run:
// trying again changes nothing.
const NOT_RETRYABLE = new Set(['EBODYTOOLARGE', 'ESOURCE', 'ENOTLOOPBACK', 'ECANCELED', 'EDEADLINE'])

/** Why an aborted exchange stopped: the deadline error given as the reason, else a cancel. */
const abortError = (signal: AbortSignal | undefined): NetworkError =>
  signal?.reason instanceof NetworkError
    ? signal.reason
    : new NetworkError('cancelled: the run is being stopped', 'ECANCELED')

/** The body's size; undefined for a stream, whose size is known when it has been sent. */
export function bodyLength(body: RequestBody | undefined): number | undefined {
  if (!body) return 0
  if (body.kind === 'bytes') return body.data.byteLength
  if (body.kind === 'parts') return body.parts.reduce((n, part) => n + part.byteLength, 0)
  if (body.kind === 'stream') return undefined
  return body.end - body.start
}

/** Bytes the body carried (a stream: so far). */
export function bytesSent(body: RequestBody | undefined): number {
  return body?.kind === 'stream' ? body.sent : (bodyLength(body) ?? 0)
}

export interface TransportOptions {
  userAgent: string
  env: NodeJS.ProcessEnv
  /** Extra PEM certificates to trust. */
  ca?: string[]
  /** Host name resolution (default dns.lookup). */
  lookup?: LookupFunction
}

export class HttpTransport {
  private readonly httpAgent = new http.Agent({ keepAlive: true })
  private readonly httpsAgent: https.Agent
  private systemAgent?: https.Agent | null
  /** Hosts whose certificates only the system store verifies. */
  private readonly systemHosts = new Set<string>()
  /** Plain-HTTP connections are opened to loopback addresses only. */
  private readonly plainLookup: LookupFunction

  constructor(private readonly opts: TransportOptions) {
    this.httpsAgent = new https.Agent({ keepAlive: true, ca: defaultCertificates(opts.env, opts.ca) })
    this.plainLookup = loopbackOnlyLookup(opts.lookup)
  }

  /** Whether every address of the host is a loopback address (the only hosts plain HTTP may go to). */
  isLoopback(hostname: string): Promise<boolean> {
    return resolvesToLoopback(hostname, this.opts.lookup)
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    if (req.url.protocol !== 'https:') return this.sendPlain(req)
    if (this.systemHosts.has(req.url.host)) return this.sendWith(this.systemStore()!, req)
    try {
      return await this.sendWith(this.httpsAgent, req)
    } catch (err) {
      const system = isCertificateError(err) ? this.systemStore() : undefined
      if (!system || req.body?.kind === 'stream') throw err
      this.systemHosts.add(req.url.host)
      return this.sendWith(system, req)
    }
  }

  close(): void {
    this.httpAgent.destroy()
    this.httpsAgent.destroy()
    this.systemAgent?.destroy()
  }

  /** Plain HTTP: an IP literal must be loopback; a name connects only to its loopback addresses. */
  private sendPlain(req: HttpRequest): Promise<HttpResponse> {
    const host = req.url.hostname.replace(/^\[|\]$/g, '')
    if (isIP(host) && !isLoopbackAddress(host)) {
      const err = notLoopback(host, [host])
      return Promise.reject(new NetworkError(err.message, 'ENOTLOOPBACK', err))
    }
    return this.sendWith(this.httpAgent, req, this.plainLookup)
  }

  private sendWith(agent: http.Agent, req: HttpRequest, lookup = this.opts.lookup): Promise<HttpResponse> {
    return new Promise((resolve, reject) =>
      exchange({ agent, lookup, userAgent: this.opts.userAgent }, req, resolve, reject)
    )
  }

  private systemStore(): https.Agent | undefined {
    if (this.systemAgent === undefined) {
      const ca = systemCertificates(this.opts.env, this.opts.ca)
      this.systemAgent = ca ? new https.Agent({ keepAlive: true, ca }) : null
    }
    return this.systemAgent ?? undefined
  }
}

interface Connection {
  agent: http.Agent
  lookup?: LookupFunction
  userAgent: string
}

function exchange(
  { agent, lookup, userAgent }: Connection,
  req: HttpRequest,
  resolve: (res: HttpResponse) => void,
  reject: (err: unknown) => void
): void {
  let settled = false
  if (req.signal?.aborted) return reject(abortError(req.signal))
  const headers: Record<string, string> = { 'user-agent': userAgent, ...req.headers }
  const length = bodyLength(req.body)
  if (length !== undefined && (req.body || ['POST', 'PUT', 'PATCH'].includes(req.method)))
    headers['content-length'] = String(length)
  const mod = req.url.protocol === 'https:' ? https : http
  const outgoing = mod.request(req.url, { method: req.method, headers, agent, ...(lookup && { lookup }) })
  const deadline = setTimeout(
    () => outgoing.destroy(new NetworkError(`no complete answer within ${req.deadlineMs} ms`, 'ETIMEDOUT')),
    req.deadlineMs
  )
  const abort = (): void => void outgoing.destroy(abortError(req.signal))
  req.signal?.addEventListener('abort', abort, { once: true })
  const body = req.body?.kind === 'stream' ? readableOf(req.body) : undefined
  const stopBody = (): void => {
    if (!body || body.readableEnded) return
    body.destroy()
    outgoing.destroy() // an unfinished body: the connection cannot carry another request
  }
  const fail = (err: unknown): void => {
    stopBody()
    clearTimeout(deadline)
    req.signal?.removeEventListener('abort', abort)
    if (settled) return
    settled = true
    reject(toNetworkError(err))
  }
  outgoing.setTimeout(req.idleTimeoutMs, () =>
    outgoing.destroy(new NetworkError(`connection idle for ${req.idleTimeoutMs} ms`, 'ETIMEDOUT'))
  )
  outgoing.on('error', fail)
  const done = (res: HttpResponse): void => {
    stopBody()
    clearTimeout(deadline)
    req.signal?.removeEventListener('abort', abort)
    if (settled) return
    settled = true
    resolve(res)
  }
  outgoing.on('response', incoming => {
    const answer = { status: incoming.statusCode ?? 0, headers: incoming.headers, url: req.url }
    if (req.saveTo && answer.status === 200) {
      const file = createWriteStream(req.saveTo)
      pipeline(incoming, file).then(() => done({ ...answer, body: Buffer.alloc(0) }), fail)
      return
    }
    const chunks: Buffer[] = []
    let size = 0
    incoming.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > req.maxBodyBytes) {
        outgoing.destroy(new NetworkError(`response body over ${req.maxBodyBytes} bytes`, 'EBODYTOOLARGE'))
      } else chunks.push(chunk)
    })
    incoming.on('error', fail)
    incoming.on('close', () => {
      if (!incoming.complete)
        return fail(new NetworkError('connection closed in the middle of the response', 'ECONNRESET'))
      done({ ...answer, body: Buffer.concat(chunks) })
    })
  })
  if (req.body?.kind === 'stream') pipeStream(outgoing, body!)
  else writeBody(outgoing, req.body)
}

function writeBody(outgoing: http.ClientRequest, body: Exclude<RequestBody, StreamBody> | undefined): void {
  if (!body) return void outgoing.end()
  if (body.kind === 'bytes') return void outgoing.end(body.data)
  if (body.kind === 'parts') {
    for (const part of body.parts) outgoing.write(part)
    return void outgoing.end()
  }
  if (body.end <= body.start) return void outgoing.end()
  const file = createReadStream(body.path, { start: body.start, end: body.end - 1, highWaterMark: 1 << 20 })
  file.on('error', err =>
    outgoing.destroy(new NetworkError(`cannot read ${body.path}: ${err.message}`, 'ESOURCE', err))
  )
  file.pipe(outgoing)
}

/** A stream body's bytes, counted in `sent` as they are taken. */
function readableOf(body: StreamBody): Readable {
  const counted = async function* (): AsyncGenerator<Uint8Array> {
    for await (const chunk of body.source) {
      yield chunk
      body.sent += chunk.byteLength
    }
    body.ended = true
  }
  return Readable.from(counted(), { objectMode: false })
}

/**
 * A registry may answer before the body is complete (a refusal): then the exchange settles and stops
 * the body (see exchange), so that nothing goes on pulling from the source.
 */
function pipeStream(outgoing: http.ClientRequest, source: Readable): void {
  source.on('error', err =>
    outgoing.destroy(new NetworkError(`the body's source failed: ${err.message}`, 'ESOURCE', err))
  )
  source.pipe(outgoing)
}

function toNetworkError(err: unknown): NetworkError {
  if (err instanceof NetworkError) return err
  const raw = (err as { code?: unknown })?.code
  const code = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : 'ENETWORK'
  const message = err instanceof Error ? err.message : String(err)
  return new NetworkError(message, code, err)
}
