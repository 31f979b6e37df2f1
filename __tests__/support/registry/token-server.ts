/**
 * A token service the way ghcr.io runs one: GET /token?service=&scope=… with Basic credentials (or none),
 * answering `{"token": JWT}` without `expires_in`. The JWTs are RS256, signed by a certificate the
 * registry trusts (`auth: token` with `rootcertbundle`), the chain carried in `x5c`.
 */
import { createSign, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { pemToDerBase64 } from './certs.js'

export interface TokenRequestLog {
  scopes: string[]
  service?: string
  user?: string
  status: number
}

export interface TokenServerOptions {
  service: string
  issuer: string
  signingCert: string
  signingKey: string
  users: Record<string, { password: string; actions: string[] }>
  /** Answer `access_token` + `expires_in` instead of ghcr's bare `token`. */
  oauthStyle?: boolean
  /** Lifetime written into the JWT (default 300 s). */
  ttlSeconds?: number
  /** Issue this many tokens already expired (the registry then answers 401). */
  expireNext?: number
}

export class TokenServer {
  readonly requests: TokenRequestLog[] = []
  private server?: http.Server
  private port = 0

  constructor(readonly opts: TokenServerOptions) {}

  get realm(): string {
    return `http://127.0.0.1:${this.port}/token`
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => this.handle(req, res))
    await new Promise<void>(resolve => this.server!.listen(0, '127.0.0.1', resolve))
    this.port = (this.server.address() as AddressInfo).port
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>(resolve => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** The `auth:` section of a Distribution config trusting this server. */
  registryConfig(caCertFile: string): string {
    return [
      'auth:',
      '  token:',
      `    realm: ${this.realm}`,
      `    service: ${this.opts.service}`,
      `    issuer: ${this.opts.issuer}`,
      `    rootcertbundle: ${caCertFile}`
    ].join('\n')
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const scopes = url.searchParams.getAll('scope')
    const service = url.searchParams.get('service') ?? undefined
    const user = basicUser(req.headers.authorization)
    const account = user ? this.opts.users[user.name] : undefined
    if (user && account?.password !== user.password) {
      this.requests.push({ scopes, service, user: user.name, status: 401 })
      res.writeHead(401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'invalid username or password' }] }))
      return
    }
    this.requests.push({ scopes, service, user: user?.name, status: 200 })
    const granted = account ? account.actions : []
    const token = this.sign(user?.name ?? '', service, scopes, granted)
    res.writeHead(200, { 'content-type': 'application/json' })
    const body = this.opts.oauthStyle
      ? { access_token: token, expires_in: this.opts.ttlSeconds ?? 300 }
      : { token }
    res.end(JSON.stringify(body))
  }

  private sign(subject: string, service: string | undefined, scopes: string[], granted: string[]): string {
    let now = Math.floor(Date.now() / 1000)
    if (this.opts.expireNext) {
      this.opts.expireNext--
      now -= 3600
    }
    const header = { typ: 'JWT', alg: 'RS256', x5c: [pemToDerBase64(this.opts.signingCert)] }
    const claims = {
      iss: this.opts.issuer,
      sub: subject,
      aud: service ?? this.opts.service,
      iat: now,
      nbf: now - 60,
      exp: now + (this.opts.ttlSeconds ?? 300),
      jti: randomUUID(),
      access: scopes.map(scope => grant(scope, granted)).filter(a => a.actions.length > 0)
    }
    const encode = (v: object): string => Buffer.from(JSON.stringify(v)).toString('base64url')
    const input = `${encode(header)}.${encode(claims)}`
    const signature = createSign('RSA-SHA256').update(input).sign(readFileSync(this.opts.signingKey, 'utf8'))
    return `${input}.${signature.toString('base64url')}`
  }
}

/** `repository:acme/app:pull,push` → the intersection of the asked and the granted actions (like real token services). */
function grant(scope: string, granted: string[]): { type: string; name: string; actions: string[] } {
  const first = scope.indexOf(':')
  const last = scope.lastIndexOf(':')
  const type = scope.slice(0, first)
  const name = scope.slice(first + 1, last)
  const actions = scope
    .slice(last + 1)
    .split(',')
    .filter(a => granted.includes(a))
  return { type, name, actions }
}

function basicUser(header: string | undefined): { name: string; password: string } | undefined {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '')
  if (!m) return undefined
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  return { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) }
}
