/**
 * A loopback HTTP proxy in front of a registry that injects faults: error statuses (5xx, 429 with
 * Retry-After or ghcr.io's message), connection resets in the middle of a body, slow answers,
 * ghcr.io's 416 for PATCH chunks over 4 MiB, rewritten response headers and corrupted bodies.
 */
import http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export type FaultAction =
  /** An answer of the proxy's own, after the whole request body (`early`: at once, the body unread). */
  | { kind: 'status'; status: number; headers?: Record<string, string>; body?: string; early?: boolean }
  /** Forwards this many request-body bytes upstream, then resets both connections. */
  | { kind: 'reset-request'; afterBytes: number }
  /** Forwards the response head and this many body bytes, then resets the client connection. */
  | { kind: 'reset-response'; afterBytes: number }
  /** Waits before forwarding. */
  | { kind: 'delay'; ms: number }
  | { kind: 'rewrite-header'; name: string; value: string }
  /** Forwards the response with the first byte of its body changed (same length, wrong digest). */
  | { kind: 'corrupt-response' }

export interface Fault {
  method?: string
  /** Matched against the path (query excluded). */
  path?: RegExp
  when?: (req: http.IncomingMessage) => boolean
  /** How many matching requests get the fault (default 1; Infinity for a standing rule). */
  times?: number
  action: FaultAction
}

export interface ProxyLogEntry {
  at: number
  method: string
  path: string
  query: string
  status?: number
  fault?: string
  requestBytes: number
  contentRange?: string
  /** Sent in chunked transfer encoding (no Content-Length). */
  chunked: boolean
}

/** ghcr.io's answer to a ranged PATCH over 4 MiB. */
export const GHCR_CHUNK_LIMIT_FAULT: Fault = {
  method: 'PATCH',
  when: req => Number(req.headers['content-length'] ?? 0) > 4 * 1024 * 1024,
  times: Infinity,
  action: {
    kind: 'status',
    status: 416,
    body: JSON.stringify({
      errors: [
        { code: 'RANGE_INVALID', message: 'chunk size exceeds the maximum permissible limit of 4.00MiB' }
      ]
    })
  }
}

export class FaultProxy {
  readonly log: ProxyLogEntry[] = []
  /** Most requests of each method in flight at once. */
  readonly peakInFlight = new Map<string, number>()
  private readonly inFlight = new Map<string, number>()
  private readonly faults: Array<Fault & { left: number }> = []
  private server?: http.Server
  private readonly sockets = new Set<Socket>()
  private readonly agent = new http.Agent({ keepAlive: true })
  private readonly timers = new Set<NodeJS.Timeout>()
  private port = 0

  constructor(private readonly upstream: string) {}

  get host(): string {
    return `127.0.0.1:${this.port}`
  }

  add(...faults: Fault[]): void {
    for (const f of faults) this.faults.push({ ...f, left: f.times ?? 1 })
  }

  clear(): void {
    this.faults.length = 0
    this.log.length = 0
    this.peakInFlight.clear()
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res))
    this.server.on('connection', s => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t)
    for (const s of this.sockets) s.destroy()
    this.agent.destroy()
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  private take(req: http.IncomingMessage): FaultAction | undefined {
    const path = (req.url ?? '').split('?')[0]!
    const fault = this.faults.find(
      f =>
        f.left > 0 &&
        (!f.method || f.method === req.method) &&
        (!f.path || f.path.test(path)) &&
        (!f.when || f.when(req))
    )
    if (!fault) return undefined
    fault.left--
    return fault.action
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const [path = '', query = ''] = (req.url ?? '').split('?')
    const chunked = /chunked/i.test(String(req.headers['transfer-encoding'] ?? ''))
    const entry: ProxyLogEntry = {
      at: Date.now(),
      method: req.method ?? '',
      path,
      query,
      requestBytes: 0,
      chunked
    }
    if (req.headers['content-range']) entry.contentRange = String(req.headers['content-range'])
    this.log.push(entry)
    this.track(entry.method, res)
    const action = this.take(req)
    entry.fault = action?.kind
    if (action?.kind === 'status') return this.answer(req, res, entry, action)
    const forward = (): void => this.forward(req, res, entry, action)
    if (action?.kind !== 'delay') return forward()
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (!req.socket.destroyed) forward()
    }, action.ms)
    this.timers.add(timer)
  }

  private track(method: string, res: http.ServerResponse): void {
    const now = (this.inFlight.get(method) ?? 0) + 1
    this.inFlight.set(method, now)
    this.peakInFlight.set(method, Math.max(now, this.peakInFlight.get(method) ?? 0))
    res.on('close', () => this.inFlight.set(method, (this.inFlight.get(method) ?? 1) - 1))
  }

  /** Reads the whole request body first (as servers do), then answers; `early`: answers at once. */
  private answer(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: ProxyLogEntry,
    action: Extract<FaultAction, { kind: 'status' }>
  ): void {
    const reply = (): void => {
      entry.status = action.status
      res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers })
      res.end(action.body ?? JSON.stringify({ errors: [{ code: 'UNAVAILABLE', message: 'injected fault' }] }))
    }
    req.on('data', (c: Buffer) => (entry.requestBytes += c.length))
    if (action.early) return reply()
    req.on('end', reply)
  }

  private forward(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    entry: ProxyLogEntry,
    action?: FaultAction
  ) {
    const [host, port] = this.upstream.split(':')
    const target = { host, port: Number(port), method: req.method, path: req.url, headers: req.headers }
    const upstream = http.request({ ...target, agent: this.agent })
    upstream.on('error', () => res.destroy())
    res.on('close', () => upstream.destroy())
    upstream.on('response', up => this.relayResponse(up, res, entry, action))
    req.on('data', (chunk: Buffer) => {
      entry.requestBytes += chunk.length
      if (action?.kind === 'reset-request' && entry.requestBytes > action.afterBytes) {
        upstream.write(chunk.subarray(0, chunk.length - (entry.requestBytes - action.afterBytes)))
        // Let the registry take the bytes it got before both connections drop.
        setTimeout(() => {
          upstream.destroy()
          req.socket.destroy()
        }, 50)
        req.pause()
        return
      }
      if (!upstream.write(chunk)) {
        req.pause()
        upstream.once('drain', () => req.resume())
      }
    })
    req.on('end', () => upstream.end())
  }

  private relayResponse(
    up: http.IncomingMessage,
    res: http.ServerResponse,
    entry: ProxyLogEntry,
    action?: FaultAction
  ): void {
    entry.status = up.statusCode
    const headers = { ...up.headers }
    if (action?.kind === 'rewrite-header') headers[action.name.toLowerCase()] = action.value
    res.writeHead(up.statusCode ?? 502, headers)
    let sent = 0
    up.on('data', (chunk: Buffer) => {
      if (action?.kind === 'corrupt-response' && sent === 0 && chunk.length > 0) chunk[0] = chunk[0]! ^ 0xff
      if (action?.kind === 'reset-response' && sent + chunk.length > action.afterBytes) {
        res.write(chunk.subarray(0, action.afterBytes - sent))
        res.socket?.destroy()
        up.destroy()
        return
      }
      sent += chunk.length
      res.write(chunk)
    })
    up.on('end', () => res.end())
  }
}
