/**
 * Plain HTTP only for loopback, decided by address: names like `foo.localhost` count only when they
 * resolve to loopback, and a plain-HTTP connection is never opened to any other address.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import type { LookupAddress } from 'node:dns'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { recordingClient } from '../../support/registry/helpers.js'
import { sha256Digest } from '../../../src/registry/index.js'
import type { HttpRequest, HttpResponse } from '../../../src/registry/transport/http.js'
import { HttpTransport, NetworkError } from '../../../src/registry/transport/http.js'
import type { LookupFunction } from '../../../src/registry/transport/loopback.js'
import { isLoopbackAddress, resolvesToLoopback } from '../../../src/registry/transport/loopback.js'
import { RegistrySession } from '../../../src/registry/transport/session.js'
import { DEFAULT_BACKOFF } from '../../../src/registry/transport/retry.js'

const DIGEST = sha256Digest(Buffer.from('blob'))

/** A resolver from a table (no DNS traffic): names missing from it do not resolve. */
function fakeLookup(table: Record<string, string[]>): LookupFunction {
  const lookup = (
    hostname: string,
    options: { all?: boolean },
    cb: (err: NodeJS.ErrnoException | null, a: string | LookupAddress[], f?: number) => void
  ) => {
    const found = table[hostname]
    if (!found) return cb(Object.assign(new Error(`ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [])
    const all = found.map(address => ({ address, family: address.includes(':') ? 6 : 4 }))
    if (options.all) cb(null, all)
    else cb(null, all[0]!.address, all[0]!.family)
  }
  return lookup as unknown as LookupFunction
}

const LOOKUP = fakeLookup({
  'foo.localhost': ['203.0.113.7'],
  evillocalhost: ['203.0.113.8'],
  'registry.example': ['203.0.113.9'],
  'mixed.example': ['127.0.0.1', '203.0.113.10'],
  'loop.example': ['127.0.0.1']
})

describe('isLoopbackAddress', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.8.9.10', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['::ffff:7f00:1', true],
    ['[::ffff:7f12:3456]', true],
    ['::ffff:10.0.0.1', false],
    ['::ffff:128.0.0.1', false],
    ['::2', false],
    ['0.0.0.0', false],
    ['10.0.0.1', false],
    ['128.0.0.1', false],
    // names are never loopback by themselves
    ['localhost', false],
    ['foo.localhost', false],
    ['evillocalhost', false]
  ])('%s → %s', (address, expected) => expect(isLoopbackAddress(address)).toBe(expected))
})

describe('resolvesToLoopback', () => {
  it.each([
    ['foo.localhost', false],
    ['evillocalhost', false],
    ['mixed.example', false],
    ['unknown.example', false],
    ['loop.example', true],
    ['127.0.0.1', true],
    ['::ffff:127.0.0.1', true],
    ['[::1]', true],
    ['10.1.2.3', false]
  ])('%s → %s', async (host, expected) => expect(await resolvesToLoopback(host, LOOKUP)).toBe(expected))
})

type Answer = (req: HttpRequest) => Partial<HttpResponse> | undefined

/** A transport that records every URL it is asked for and answers from a script (refused when silent). */
class RecordingTransport extends HttpTransport {
  readonly urls: string[] = []
  constructor(private readonly answer: Answer = () => undefined) {
    super({ userAgent: 'test', env: {}, lookup: LOOKUP })
  }
  override async send(req: HttpRequest): Promise<HttpResponse> {
    this.urls.push(req.url.href)
    const res = this.answer(req)
    if (!res) throw new NetworkError('connect ECONNREFUSED', 'ECONNREFUSED')
    return { status: 200, headers: {}, body: Buffer.alloc(0), url: req.url, ...res }
  }
}

function sessionOver(registry: string, transport: HttpTransport): RegistrySession {
  const quiet = { debug: () => {}, info: () => {}, warning: () => {} }
  return new RegistrySession({
    registry,
    transport,
    maxAttempts: 1,
    deadlines: { baseMs: 1000, maxMs: 1000, floorBytesPerSecond: 1 << 20 },
    idleTimeoutMs: 1000,
    backoff: DEFAULT_BACKOFF,
    logger: quiet,
    secret: () => {},
    credentials: async () => ({ username: 'u', password: 'p' })
  })
}

const headBlob = (session: RegistrySession) =>
  session.call({ method: 'HEAD', target: `/v2/acme/app/blobs/${DIGEST}`, scopes: [], expect: [200, 404] })

describe('which registries get plain HTTP', () => {
  it.each([
    'foo.localhost:5000',
    'evillocalhost:5000',
    'registry.example:5000',
    'mixed.example',
    '10.1.2.3:5000'
  ])('%s (not loopback by address) is only ever contacted over https:', async registry => {
    const transport = new RecordingTransport()
    await expect(headBlob(sessionOver(registry, transport))).rejects.toThrow(/ECONNREFUSED/)
    expect(transport.urls.length).toBeGreaterThan(0)
    expect(transport.urls.filter(u => !u.startsWith('https:'))).toEqual([])
  })

  it.each(['127.0.0.1:5000', '[::ffff:127.0.0.1]:5000', '[::1]:5000', 'loop.example:5000'])(
    '%s (loopback by address) falls back to http: when https: fails',
    async registry => {
      const transport = new RecordingTransport()
      await expect(headBlob(sessionOver(registry, transport))).rejects.toThrow(/ECONNREFUSED/)
      expect(transport.urls.map(u => new URL(u).protocol)).toEqual(['https:', 'http:'])
    }
  )

  it('refuses an http: token realm for a registry that is not loopback, even when the realm is', async () => {
    const transport = new RecordingTransport(req =>
      req.url.pathname === '/v2/'
        ? {
            status: 401,
            headers: { 'www-authenticate': 'Bearer realm="http://127.0.0.1:9/token",service="x"' }
          }
        : undefined
    )
    await expect(headBlob(sessionOver('registry.example', transport))).rejects.toThrow(
      /refusing to ask for a token over http: \(the realm of registry.example must be https\)/
    )
    expect(transport.urls).toEqual(['https://registry.example/v2/'])
  })

  it('accepts an http: token realm for a loopback registry', async () => {
    const transport = new RecordingTransport(req => {
      if (req.url.protocol === 'https:') return undefined
      if (req.url.pathname === '/token') return { body: Buffer.from('{"token":"t"}') }
      if (req.headers.authorization === 'Bearer t') return { status: 404 }
      return { status: 401, headers: { 'www-authenticate': 'Bearer realm="http://127.0.0.1:9/token"' } }
    })
    const res = await headBlob(sessionOver('127.0.0.1:5000', transport))
    expect(res.status).toBe(404)
    expect(transport.urls.filter(u => u.startsWith('http:')).map(u => new URL(u).pathname)).toEqual([
      '/v2/',
      '/token',
      `/v2/acme/app/blobs/${DIGEST}`
    ])
  })
})

describe('plain HTTP connections (real sockets, loopback only)', () => {
  const servers: http.Server[] = []
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections()
      await new Promise(resolve => s.close(resolve))
    }
  })
  async function serve(): Promise<number> {
    const server = http.createServer((req, res) => {
      res.writeHead(req.url === '/v2/' ? 200 : 404)
      res.end('{}')
    })
    servers.push(server)
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    return (server.address() as AddressInfo).port
  }
  const get = (transport: HttpTransport, url: string) =>
    transport.send({
      method: 'GET',
      url: new URL(url),
      headers: {},
      deadlineMs: 5000,
      idleTimeoutMs: 5000,
      maxBodyBytes: 1000
    })

  it('connects a name only to its loopback addresses, and refuses 0.0.0.0 (which would reach this host)', async () => {
    const port = await serve()
    const lookup = fakeLookup({ 'foo.localhost': ['0.0.0.0'], evillocalhost: ['127.0.0.1'] })
    const transport = new HttpTransport({ userAgent: 'test', env: {}, lookup })
    try {
      // by address: a name resolving to 127.0.0.1 is loopback, whatever it looks like
      expect((await get(transport, `http://evillocalhost:${port}/v2/`)).status).toBe(200)
      const byName = await get(transport, `http://foo.localhost:${port}/v2/`).catch(e => e)
      expect(byName).toMatchObject({ code: 'ENOTLOOPBACK', retryable: false })
      const literal = await get(transport, `http://0.0.0.0:${port}/v2/`).catch(e => e)
      expect(literal).toMatchObject({ code: 'ENOTLOOPBACK', retryable: false })
    } finally {
      transport.close()
    }
  })

  it('talks plain HTTP to a registry at [::ffff:127.0.0.1]', async () => {
    const port = await serve()
    const rec = recordingClient()
    const exists = await rec.client.repository(`[::ffff:127.0.0.1]:${port}/acme/app`).blobExists(DIGEST)
    rec.client.close()
    expect(exists).toBe(false)
    expect(rec.requests.map(r => `${r.method} ${new URL(r.url).protocol}${r.status ?? ''}`)).toEqual([
      'GET https:',
      'GET http:200',
      'HEAD http:404'
    ])
  })
})
