/**
 * Sigstore on loopback: Fulcio, Rekor and a TSA from @sigstore/mock's handlers behind one HTTP server,
 * an Actions OIDC token endpoint issuing a well-formed JWT, and the trusted root that verifies what they
 * sign. Also a stand-in for GitHub's attestations API that records request bodies.
 */
import { createHash, createHmac, type KeyObject } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  fulcioHandler,
  initializeCA,
  initializeCTLog,
  initializeTLog,
  initializeTSA,
  rekorHandler,
  tsaHandler
} from '@sigstore/mock'
import { sigstoreKeyPair } from './sigstore-keys.mjs'

type Handler = ReturnType<typeof fulcioHandler>

export interface RecordedRequest {
  method: string
  path: string
  query: URLSearchParams
  headers: IncomingMessage['headers']
  body: string
}

export interface SigstoreStandIn {
  url: string
  fulcioUrl: string
  rekorUrl: string
  tsaUrl: string
  /** ACTIONS_ID_TOKEN_REQUEST_URL (with the `?api-version` query the runner gives). */
  tokenUrl: string
  /** ACTIONS_ID_TOKEN_REQUEST_TOKEN */
  tokenRequestToken: string
  /** The claims in the JWTs the token endpoint issues. */
  claims: Record<string, unknown>
  requests: RecordedRequest[]
  /** The trusted root (JSON) with the mock's CA, CT log, transparency log and TSA. */
  trustedRoot: Record<string, unknown>
  close(): Promise<void>
}

export const DEFAULT_CLAIMS = {
  iss: 'https://token.actions.githubusercontent.com',
  sub: 'repo:acme/app:ref:refs/heads/main',
  repository: 'acme/app',
  repository_owner: 'acme',
  repository_id: '101',
  repository_owner_id: '202',
  repository_visibility: 'public',
  ref: 'refs/heads/main',
  sha: '0123456789abcdef0123456789abcdef01234567',
  workflow_ref: 'acme/app/.github/workflows/release.yml@refs/heads/main',
  job_workflow_ref: 'acme/shared/.github/workflows/build.yml@refs/tags/v2',
  event_name: 'push',
  run_id: '42',
  run_attempt: '1',
  runner_environment: 'github-hosted'
}

export async function startSigstore(
  claims: Record<string, unknown> = DEFAULT_CLAIMS,
  /** Requests whose path matches are recorded and not answered: a hung service (until close). */
  hold?: RegExp
): Promise<SigstoreStandIn> {
  const requests: RecordedRequest[] = []
  const held: ServerResponse[] = []
  const handlers = new Map<string, Handler>()
  const tokenRequestToken = 'runner-request-token'
  const server = createServer((req, res) => {
    void collect(req).then(body => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body
      })
      if (hold?.test(url.pathname)) return void held.push(res)
      if (url.pathname === '/oidc/token') return serveToken(req, res, url, tokenRequestToken, claims)
      if (url.pathname === '/oidc/not-json') return send(res, 200, 'text/html', '<html>sign in</html>')
      const handler = handlers.get(url.pathname)
      if (!handler || req.method !== 'POST') return send(res, 404, 'text/plain', 'not found')
      return handler
        .fn(body)
        .then(r => send(res, r.statusCode, r.contentType ?? 'text/plain', bytesOrText(r.response)))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const ctKeys = sigstoreKeyPair()
  const ctlog = await initializeCTLog(ctKeys)
  const caKeys = sigstoreKeyPair()
  const ca = await initializeCA(caKeys, ctlog)
  const tlogKeys = sigstoreKeyPair()
  const tlog = await initializeTLog(url, tlogKeys)
  const tsa = await initializeTSA(sigstoreKeyPair())
  // Each at its API path on one origin (a TSA URL with a path is taken by @sigstore/sign as the full URL).
  for (const handler of [
    fulcioHandler(ca),
    canonicalizingDsse(rekorHandler(tlog)),
    msSafe(tsaHandler(tsa))
  ]) {
    handlers.set(handler.path, handler)
  }

  return {
    url,
    fulcioUrl: url,
    rekorUrl: url,
    tsaUrl: url,
    tokenUrl: `${url}/oidc/token?api-version=2.0`,
    tokenRequestToken,
    claims,
    requests,
    trustedRoot: trustedRoot({
      url,
      caRoot: bytes(ca.rootCertificate),
      ctlogKey: ctKeys.publicKey,
      tlogKey: tlogKeys.publicKey,
      tsaChain: [bytes(tsa.intCertificate), bytes(tsa.rootCertificate)]
    }),
    close: () => closeServer(server, held)
  }
}

/** The environment a job with `id-token: write` sees, pointed at the stand-in. */
export function oidcEnv(sigstore: SigstoreStandIn): NodeJS.ProcessEnv {
  return {
    ACTIONS_ID_TOKEN_REQUEST_URL: sigstore.tokenUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: sigstore.tokenRequestToken
  }
}

/**
 * Rekor stores a `dsse` entry in its canonical form (envelope and payload hashes, the signatures); the
 * mock logs what it is given, so the stand-in canonicalizes first, as Rekor does.
 */
function canonicalizingDsse(handler: Handler): Handler {
  return {
    path: handler.path,
    fn: (body: string) => {
      const proposed = JSON.parse(body) as {
        kind?: string
        apiVersion?: string
        spec?: { proposedContent?: { envelope: string; verifiers: string[] } }
      }
      const content = proposed.spec?.proposedContent
      if (proposed.kind !== 'dsse' || !content) return handler.fn(body)
      const envelope = JSON.parse(content.envelope) as { payload: string; signatures: { sig: string }[] }
      const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex')
      const canonical = {
        apiVersion: proposed.apiVersion,
        kind: 'dsse',
        spec: {
          envelopeHash: { algorithm: 'sha256', value: sha256(content.envelope) },
          payloadHash: { algorithm: 'sha256', value: sha256(Buffer.from(envelope.payload, 'base64')) },
          signatures: envelope.signatures.map(s => ({ signature: s.sig, verifier: content.verifiers[0] }))
        }
      }
      return handler.fn(JSON.stringify(canonical))
    }
  }
}

function serveToken(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  expectedBearer: string,
  claims: Record<string, unknown>
): void {
  if (req.headers.authorization !== `Bearer ${expectedBearer}`)
    return send(res, 401, 'text/plain', 'bad token')
  const now = Math.floor(Date.now() / 1000)
  const aud = url.searchParams.get('audience') ?? 'https://github.com/acme'
  send(
    res,
    200,
    'application/json',
    JSON.stringify({ value: jwt({ ...claims, aud, iat: now, nbf: now, exp: now + 300 }) })
  )
}

/** A well-formed (HS256-signed) JWT: Fulcio's mock decodes it without checking the signature. */
export function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`
  return `${unsigned}.${createHmac('sha256', 'loopback').update(unsigned).digest('base64url')}`
}

function trustedRoot(parts: {
  url: string
  caRoot: Buffer
  ctlogKey: KeyObject
  tlogKey: KeyObject
  tsaChain: Buffer[]
}): Record<string, unknown> {
  const validFor = { start: new Date(Date.now() - 60_000).toISOString() }
  const log = (baseUrl: string, key: KeyObject) => {
    const der = key.export({ format: 'der', type: 'spki' })
    return {
      baseUrl,
      hashAlgorithm: 'SHA2_256',
      publicKey: { rawBytes: der.toString('base64'), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor },
      logId: { keyId: createHash('sha256').update(der).digest('base64') }
    }
  }
  const chain = (certs: Buffer[]) => ({ certificates: certs.map(c => ({ rawBytes: c.toString('base64') })) })
  return {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [log(parts.url, parts.tlogKey)],
    ctlogs: [log(`${parts.url}/ct`, parts.ctlogKey)],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: parts.url,
        certChain: chain([parts.caRoot]),
        validFor
      }
    ],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: parts.url,
        certChain: chain(parts.tsaChain),
        validFor
      }
    ]
  }
}

export interface AttestationsApiStandIn {
  url: string
  requests: RecordedRequest[]
  close(): Promise<void>
}

/**
 * GitHub's `POST /repos/{owner}/{repo}/attestations`: answers `{id}` (or `status`), records each request;
 * `hold`: records it and does not answer (a hung API, until close).
 */
export async function startAttestationsApi(
  answer: { status: number; body: unknown } | 'hold' = { status: 201, body: { id: 7001 } }
): Promise<AttestationsApiStandIn> {
  const requests: RecordedRequest[] = []
  const held: ServerResponse[] = []
  const server = createServer((req, res) => {
    void collect(req).then(body => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      requests.push({
        method: req.method ?? '',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body
      })
      const ok = req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/attestations$/.test(url.pathname)
      if (!ok) return send(res, 404, 'application/json', JSON.stringify({ message: 'Not Found' }))
      if (answer === 'hold') return void held.push(res)
      send(res, answer.status, 'application/json', JSON.stringify(answer.body))
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => closeServer(server, held)
  }
}

/**
 * The mock TSA stamps genTime from the clock as a GeneralizedTime whose milliseconds lose their trailing
 * zeros (`…12.5Z`), which @sigstore/core's parser (exactly three digits) refuses: one timestamp in ten
 * failed verification. The handler is called when the clock's millisecond does not end in 0 (nor is
 * about to).
 */
function msSafe<T extends { fn: (body: string) => Promise<unknown> }>(handler: T): T {
  return {
    ...handler,
    fn: (body: string) => {
      while (![1, 2, 3, 4, 5, 6, 7].includes(new Date().getMilliseconds() % 10)) {
        // a millisecond at most
      }
      return handler.fn(body)
    }
  }
}

function collect(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, status: number, contentType: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': contentType })
  res.end(body)
}

function bytes(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength)
}

function bytesOrText(body: string | ArrayBufferView): string | Buffer {
  return typeof body === 'string' ? body : bytes(body)
}

/**
 * Held requests are answered 400 first: a client that gave up on one (@sigstore/sign's, which takes no
 * signal) ends now, without retrying, rather than after the test.
 */
function closeServer(server: Server, held: ServerResponse[] = []): Promise<void> {
  for (const res of held.splice(0))
    if (!res.writableEnded && !res.destroyed) send(res, 400, 'text/plain', 'held')
  server.closeAllConnections()
  return new Promise(resolve => server.close(() => resolve()))
}
