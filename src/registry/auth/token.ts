/** Bearer tokens from a token realm (distribution token auth, GET; OAuth2 POST for refresh tokens). */
import type { Credentials } from '../types.js'
import type { HttpRequest, HttpResponse } from '../transport/http.js'
import { RegistryError, parseErrorBody } from '../transport/errors.js'
import { JsonValue } from '../json.js'

export interface Token {
  value: string
  expiresAt: number
}

export interface TokenRequest {
  realm: string
  service?: string
  scopes: string[]
  credentials?: Credentials
  registry: string
  /** The registry's addresses are loopback: only then may its realm be plain http (itself on loopback). */
  loopbackRegistry: () => boolean
  transport: { send(req: HttpRequest): Promise<HttpResponse> }
  deadlineMs: number
  idleTimeoutMs: number
  secret: (value: string) => void
}

const MAX_TOKEN_BODY = 64 * 1024
const MIN_LIFETIME_S = 60
const CLIENT_ID = 'publish-image'

export async function fetchToken(req: TokenRequest): Promise<Token> {
  const realm = checkRealm(req.realm, req.registry, req.loopbackRegistry())
  const creds = req.credentials
  if (creds?.identityToken) {
    const res = await postOAuth(req, realm, creds.identityToken)
    if (res.status !== 404 && res.status !== 405) return parseTokenResponse(res, req, 'POST')
  }
  return parseTokenResponse(await getToken(req, realm), req, 'GET')
}

function checkRealm(realm: string, registry: string, loopbackRegistry: boolean): URL {
  let url: URL
  try {
    url = new URL(realm)
  } catch (cause) {
    throw new RegistryError({
      method: 'GET',
      url: '',
      message: `${registry} announced an invalid token realm "${realm}"`,
      cause
    })
  }
  // The transport then opens plain-HTTP connections to loopback addresses only.
  const plainAllowed = url.protocol === 'http:' && loopbackRegistry
  if (url.protocol !== 'https:' && !plainAllowed) {
    throw new RegistryError({
      method: 'GET',
      url,
      message: `refusing to ask for a token over ${url.protocol} (the realm of ${registry} must be https)`
    })
  }
  return url
}

function getToken(req: TokenRequest, realm: URL): Promise<HttpResponse> {
  const url = new URL(realm)
  if (req.service) url.searchParams.set('service', req.service)
  for (const scope of req.scopes) url.searchParams.append('scope', scope)
  const headers: Record<string, string> = { accept: 'application/json' }
  const basic = basicAuthorization(req.credentials, req.secret)
  if (basic) headers.authorization = basic
  return send(req, 'GET', url, headers)
}

function postOAuth(req: TokenRequest, realm: URL, refreshToken: string): Promise<HttpResponse> {
  const form = new URLSearchParams({
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: CLIENT_ID
  })
  if (req.service) form.set('service', req.service)
  if (req.scopes.length > 0) form.set('scope', req.scopes.join(' '))
  const headers = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
  return send(req, 'POST', realm, headers, Buffer.from(form.toString()))
}

function send(req: TokenRequest, method: string, url: URL, headers: Record<string, string>, data?: Buffer) {
  return req.transport.send({
    method,
    url,
    headers,
    body: data ? { kind: 'bytes', data } : undefined,
    deadlineMs: req.deadlineMs,
    idleTimeoutMs: req.idleTimeoutMs,
    maxBodyBytes: MAX_TOKEN_BODY
  })
}

/** `Basic base64(user:pass)` for the credentials, reporting every secret; undefined without a username/password. */
export function basicAuthorization(
  creds: Credentials | undefined,
  secret: (value: string) => void
): string | undefined {
  if (!creds?.username || creds.password === undefined) return undefined
  const encoded = Buffer.from(`${creds.username}:${creds.password}`).toString('base64')
  secret(creds.password)
  secret(encoded)
  return `Basic ${encoded}`
}

function parseTokenResponse(res: HttpResponse, req: TokenRequest, method: string): Token {
  if (res.status !== 200) {
    const details = parseErrorBody(res.body)
    const anonymous = !req.credentials
    const hint =
      res.status === 401 || res.status === 403
        ? anonymous
          ? `The token service of ${req.registry} refused anonymous access: pass credentials for ${req.registry}.`
          : `The token service of ${req.registry} rejected the credentials: check the username and password/token.`
        : undefined
    throw new RegistryError({ method, url: res.url, status: res.status, details, hint })
  }
  let body: Record<string, unknown>
  try {
    body = JsonValue.parse(res.body, 'the token response').object()
  } catch (cause) {
    throw new RegistryError({
      method,
      url: res.url,
      status: 200,
      message: 'the token service answered non-JSON',
      cause
    })
  }
  const value = typeof body.token === 'string' && body.token ? body.token : body.access_token
  if (typeof value !== 'string' || !value) {
    throw new RegistryError({
      method,
      url: res.url,
      status: 200,
      message: 'the token service answered without a token'
    })
  }
  req.secret(value)
  if (typeof body.refresh_token === 'string' && body.refresh_token) req.secret(body.refresh_token)
  const lifetime =
    typeof body.expires_in === 'number' ? Math.max(body.expires_in, MIN_LIFETIME_S) : MIN_LIFETIME_S
  return { value, expiresAt: Date.now() + lifetime * 1000 }
}
