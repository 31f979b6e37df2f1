import { afterEach, describe, expect, it, jest } from '@jest/globals'
import { readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import net from 'node:net'
import type { AddressInfo } from 'node:net'
import { generateCertificates } from '../../support/registry/certs.js'
import { tempDir } from '../../support/registry/registries.js'
import { recordingClient } from '../../support/registry/helpers.js'
import { RegistryClient, RegistryError, sha256Digest } from '../../../src/registry/index.js'
import type { RegistrySession } from '../../../src/registry/transport/session.js'

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void
const servers: Array<http.Server | net.Server> = []
const dirs: string[] = []

/** A stub registry on loopback; `/v2/` answers 200 unless the handler says otherwise. */
async function serve(handler: Handler, ping = true): Promise<string> {
  const server = http.createServer((req, res) => {
    if (ping && req.url === '/v2/' && !res.headersSent) return void res.end('{}')
    handler(req, res)
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

afterEach(async () => {
  jest.restoreAllMocks()
  for (const s of servers.splice(0)) {
    // https.Server is no http.Server subclass, but has the same method.
    if ('closeAllConnections' in s) s.closeAllConnections()
    await new Promise(resolve => s.close(resolve))
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const BLOB = Buffer.from('a small config blob')
const BASIC = `Basic ${Buffer.from('u:p').toString('base64')}`
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'

/**
 * One loopback port that speaks TLS (certificate from a fresh CA) and plain HTTP, told apart by the
 * first byte (0x16 opens a TLS handshake): the same host and port under both schemes.
 */
async function serveBothSchemes(secure: Handler, plain: Handler): Promise<{ host: string; ca: string }> {
  const dir = tempDir('session-schemes')
  dirs.push(dir)
  const certs = generateCertificates(dir)
  const tlsServer = https.createServer(
    { cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) },
    secure
  )
  const plainServer = http.createServer(plain)
  const front = net.createServer(socket => {
    socket.once('data', first => {
      socket.pause()
      socket.unshift(first)
      ;(first[0] === 0x16 ? tlsServer : plainServer).emit('connection', socket)
      process.nextTick(() => socket.resume())
    })
  })
  servers.push(tlsServer, plainServer, front)
  await new Promise<void>(resolve => front.listen(0, '127.0.0.1', resolve))
  return {
    host: `127.0.0.1:${(front.address() as AddressInfo).port}`,
    ca: readFileSync(certs.caCert, 'utf8')
  }
}
const DIGEST = sha256Digest(BLOB)

describe('authorization', () => {
  it('never sends credentials to the host a blob GET redirects to', async () => {
    const seen: Array<string | undefined> = []
    const storage = await serve((req, res) => {
      seen.push(req.headers.authorization)
      res.end(BLOB)
    })
    const registry = await serve((req, res) => {
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="stub"' })
        return res.end()
      }
      seen.push(req.headers.authorization)
      res.writeHead(307, { location: `http://${storage}/bucket/blob?X-Amz-Signature=abc` })
      res.end()
    }, false)
    const rec = recordingClient({ credentials: async () => ({ username: 'u', password: 'p' }) })
    const got = await rec.client.repository(`${registry}/acme/app`).getBlob(DIGEST)
    rec.client.close()
    expect(got).toEqual(BLOB)
    expect(seen).toEqual([`Basic ${Buffer.from('u:p').toString('base64')}`, undefined])
    expect(rec.requests.at(-1)?.url).toMatch(/X-Amz-Signature=\*\*\*$/)
    expect(rec.logger.text()).toMatch(/X-Amz-Signature=\*\*\* → 200/)
    expect(rec.logger.text()).not.toContain('abc')
  })

  it('tracks token expiry (60 s without expires_in) and caches tokens per scope set', async () => {
    let issued = 0
    const registry: string = await serve((req, res) => {
      if (req.url?.startsWith('/token')) {
        issued++
        res.writeHead(200, { 'content-type': 'application/json' })
        return res.end(JSON.stringify({ token: `token-${issued}` }))
      }
      if (!req.headers.authorization) {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${registry}/token",service="stub"` })
        return res.end()
      }
      res.writeHead(404)
      res.end()
    }, false)
    const now = Date.now()
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now)
    const rec = recordingClient()
    const repo = rec.client.repository(`${registry}/acme/app`)
    await repo.blobExists(DIGEST)
    await repo.blobExists(DIGEST)
    expect(issued).toBe(1)
    await rec.client.repository(`${registry}/acme/other`).blobExists(DIGEST)
    expect(issued).toBe(2)
    // 60 s of lifetime, refreshed 10 s before it ends: kept at 49.9 s, replaced at 50.1 s.
    clock.mockReturnValue(now + 49_900)
    await repo.blobExists(DIGEST)
    expect(issued).toBe(2)
    clock.mockReturnValue(now + 50_100)
    await repo.blobExists(DIGEST)
    expect(issued).toBe(3)
    rec.client.close()
    expect(rec.secrets).toEqual(['token-1', 'token-2', 'token-3'])
  })

  it('exchanges an identity token (refresh token) by OAuth2 POST', async () => {
    const forms: URLSearchParams[] = []
    const registry: string = await serve((req, res) => {
      if (req.url === '/token' && req.method === 'POST') {
        let body = ''
        req.on('data', (c: Buffer) => (body += c.toString()))
        req.on('end', () => {
          forms.push(new URLSearchParams(body))
          res.writeHead(200, { 'content-type': 'application/json' })
          res.end(
            JSON.stringify({ access_token: 'oauth-token', expires_in: 300, refresh_token: 'next-refresh' })
          )
        })
        return
      }
      if (req.headers.authorization !== 'Bearer oauth-token') {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${registry}/token",service="stub"` })
        return res.end()
      }
      res.writeHead(404)
      res.end()
    }, false)
    const rec = recordingClient({ credentials: async () => ({ identityToken: 'id-refresh' }) })
    await rec.client.repository(`${registry}/acme/app`).blobExists(DIGEST)
    rec.client.close()
    expect(Object.fromEntries(forms[0]!)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'id-refresh',
      client_id: 'publish-image',
      service: 'stub',
      scope: 'repository:acme/app:pull'
    })
    expect(rec.secrets).toEqual(['id-refresh', 'oauth-token', 'next-refresh'])
  })

  it('refuses a plain-HTTP token realm off loopback, even for a loopback registry', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://192.0.2.1/token",service="x"' })
      res.end()
    }, false)
    const rec = recordingClient({ credentials: async () => ({ username: 'u', password: 'p' }) })
    const err = await rec.client
      .repository(`${registry}/acme/app`)
      .blobExists(DIGEST)
      .catch(e => e)
    rec.client.close()
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.message).toMatch(/ENOTLOOPBACK: refusing plain HTTP to 192\.0\.2\.1/)
    expect(rec.requests.filter(r => r.url.includes('192.0.2.1')).map(r => r.status)).toEqual([undefined])
  })

  it('sends no credentials to an upload Location on another host, and takes no challenge from it', async () => {
    const storageSaw: Array<string | undefined> = []
    const evilSaw: string[] = []
    const evil = await serve((req, res) => {
      evilSaw.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`)
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end('{"token":"stolen"}')
    }, false)
    const storage = await serve((req, res) => {
      storageSaw.push(req.headers.authorization)
      req.resume()
      req.on('end', () => {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${evil}/token",service="evil"` })
        res.end()
      })
    }, false)
    const registry = await serve((req, res) => {
      if (req.headers.authorization !== BASIC) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="stub"' })
        return res.end()
      }
      if (req.method === 'HEAD') return void res.writeHead(404).end()
      if (req.method === 'POST') {
        res.writeHead(202, { location: `http://${storage}/upload/1?_state=s`, 'docker-upload-uuid': '1' })
        return res.end()
      }
      res.writeHead(405).end()
    }, false)
    const rec = recordingClient({
      credentials: async () => ({ username: 'u', password: 'p' }),
      maxAttempts: 1
    })
    const err = await rec.client
      .repository(`${registry}/acme/app`)
      .pushBlob({ mediaType: OCI_CONFIG, digest: DIGEST, size: BLOB.length }, { data: BLOB })
      .catch(e => e)
    rec.client.close()
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.status).toBe(401)
    expect(storageSaw.length).toBeGreaterThan(0)
    expect(storageSaw).toEqual(storageSaw.map(() => undefined))
    expect(evilSaw).toEqual([])
  })

  it('sends no credentials where a redirect downgrades https to plain http on the same host and port', async () => {
    const plainSaw: Array<string | undefined> = []
    const { host, ca } = await serveBothSchemes(
      (req, res) => {
        if (req.url === '/v2/' || req.headers.authorization !== BASIC) {
          res.writeHead(req.url === '/v2/' ? 200 : 401, { 'www-authenticate': 'Basic realm="stub"' })
          return res.end('{}')
        }
        res.writeHead(307, { location: `http://${req.headers.host}/bucket/blob` })
        res.end()
      },
      (req, res) => {
        plainSaw.push(req.headers.authorization)
        res.end(BLOB)
      }
    )
    const rec = recordingClient({ credentials: async () => ({ username: 'u', password: 'p' }), ca: [ca] })
    const got = await rec.client.repository(`${host}/acme/app`).getBlob(DIGEST)
    rec.client.close()
    expect(got).toEqual(BLOB)
    expect(rec.requests[0]?.url).toMatch(/^https:/)
    expect(plainSaw).toEqual([undefined])
  })
})

describe('answers', () => {
  it('gives up at once when the server asks for a pause longer than allowed', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(429, { 'retry-after': '3600' })
      res.end()
    })
    const rec = recordingClient()
    const err = await rec.client
      .repository(`${registry}/acme/app`)
      .blobExists(DIGEST)
      .catch(e => e)
    rec.client.close()
    expect(err.status).toBe(429)
    expect(rec.count('HEAD')).toBe(1)
  })

  it('rejects a manifest whose bytes do not match the digest the registry announced', async () => {
    const body = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}')
    const registry = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'application/vnd.oci.image.manifest.v1+json',
        'docker-content-digest': `sha256:${'1'.repeat(64)}`
      })
      res.end(body)
    })
    const rec = recordingClient()
    const err = await rec.client
      .repository(`${registry}/acme/app`)
      .getManifest('v1')
      .catch(e => e)
    rec.client.close()
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.message).toMatch(`has digest ${sha256Digest(body)}, not sha256:1111`)
    expect(err.retryable).toBe(false)
  })

  it('takes a redirect on a blob HEAD as "exists" without following it (blobExists, mount, upload retry)', async () => {
    const heads: string[] = []
    const registry = await serve((req, res) => {
      if (req.method === 'HEAD') {
        heads.push(req.url ?? '')
        res.writeHead(307, { location: 'http://192.0.2.1/presigned' })
        return res.end()
      }
      res.writeHead(500)
      res.end()
    })
    const rec = recordingClient()
    const repo = rec.client.repository(`${registry}/acme/app`)
    const desc = { mediaType: 'application/octet-stream', digest: DIGEST, size: BLOB.length }
    expect(await repo.blobExists(DIGEST)).toBe(true)
    expect(await repo.pushBlob(desc, { data: BLOB })).toBe('exists')
    expect(await repo.mountBlob(desc, ['acme/other'])).toBe('exists')
    rec.client.close()
    expect(heads).toHaveLength(3)
    expect(rec.requests.filter(r => r.url.includes('192.0.2.1'))).toEqual([])
    expect(rec.count('POST')).toBe(0)
  })

  it('shows Warning headers once', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(404, { warning: '299 - "this registry is deprecated"' })
      res.end()
    })
    const rec = recordingClient()
    const repo = rec.client.repository(`${registry}/acme/app`)
    await repo.blobExists(DIGEST)
    await repo.blobExists(DIGEST)
    rec.client.close()
    expect(rec.logger.lines.filter(l => l.startsWith('warn:'))).toEqual([
      `warn: ${registry}: this registry is deprecated`
    ])
  })
})

describe('errors without an answer', () => {
  it('name the URL with the scheme the ping chose (plain http on loopback)', async () => {
    const registry = await serve(req => req.socket.destroy())
    const rec = recordingClient({ maxAttempts: 1 })
    const err = await rec.client
      .repository(`${registry}/acme/app`)
      .getBlob(DIGEST)
      .catch(e => e)
    rec.client.close()
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.message).toContain(`GET http://${registry}/v2/acme/app/blobs/${DIGEST}`)
  })
})

describe('stream bodies (bytes sent as they are produced, once)', () => {
  /** The client's session for a host (private: the registry client's own uploads are what send streams). */
  const sessionOf = (client: RegistryClient, host: string): RegistrySession =>
    (client as unknown as { session(registry: string): RegistrySession }).session(host)

  /** A source that never ends unless stopped; `stopped` tells whether its `return` ran. */
  function endless(): { source: AsyncGenerator<Uint8Array>; stopped: () => boolean } {
    let stopped = false
    async function* source(): AsyncGenerator<Uint8Array> {
      try {
        for (;;) {
          yield Buffer.alloc(64 * 1024, 1)
          await new Promise(r => setImmediate(r))
        }
      } finally {
        stopped = true
      }
    }
    return { source: source(), stopped: () => stopped }
  }

  it('are never sent again: a retryable answer fails the call after one attempt', async () => {
    let patches = 0
    const registry = await serve((req, res) => {
      patches++
      req.resume()
      req.on('end', () => {
        res.writeHead(503)
        res.end()
      })
    })
    const rec = recordingClient({ maxAttempts: 5 })
    async function* twoChunks(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('first ')
      yield Buffer.from('second')
    }
    const body = { kind: 'stream' as const, source: twoChunks(), sent: 0, ended: false }
    const call = { method: 'PATCH', target: '/v2/acme/app/blobs/uploads/1', body, scopes: [], expect: [202] }
    await expect(sessionOf(rec.client, registry).call(call)).rejects.toMatchObject({ status: 503 })
    rec.client.close()
    expect(patches).toBe(1)
    expect(body).toMatchObject({ sent: 12, ended: true })
    expect(rec.requests.filter(r => r.method === 'PATCH').map(r => r.bytesSent)).toEqual([12])
  })

  it('are not sent again to where a redirect points, even when the call follows redirects', async () => {
    const seen: string[] = []
    const registry: string = await serve((req, res) => {
      seen.push(req.url ?? '')
      req.resume()
      req.on('end', () => {
        res.writeHead(307, { location: `http://${registry}/elsewhere` })
        res.end()
      })
    })
    const rec = recordingClient()
    async function* once(): AsyncGenerator<Uint8Array> {
      yield Buffer.from('bytes')
    }
    const body = { kind: 'stream' as const, source: once(), sent: 0, ended: false }
    const call = {
      method: 'PATCH',
      target: '/v2/acme/app/blobs/uploads/1',
      body,
      scopes: [],
      expect: [202],
      followRedirects: true
    }
    await expect(sessionOf(rec.client, registry).call(call)).rejects.toMatchObject({ status: 307 })
    rec.client.close()
    expect(seen).toEqual(['/v2/acme/app/blobs/uploads/1'])
  })

  it('stop when the registry answers before the end: the exchange settles and the source is told to stop', async () => {
    const registry = await serve((_req, res) => {
      res.writeHead(202, { location: '/v2/acme/app/blobs/uploads/2' })
      res.end()
    })
    const rec = recordingClient()
    const { source, stopped } = endless()
    const body = { kind: 'stream' as const, source, sent: 0, ended: false }
    const call = { method: 'PATCH', target: '/v2/acme/app/blobs/uploads/1', body, scopes: [], expect: [202] }
    const res = await sessionOf(rec.client, registry).call(call)
    expect(res.status).toBe(202)
    await new Promise(r => setTimeout(r, 100))
    rec.client.close()
    expect(stopped()).toBe(true)
    expect(body.ended).toBe(false) // what the upload checks: a 202 to a cut-off body is no success
  })
})

describe('what a repository call refuses before sending anything', () => {
  it('a malformed digest (it would become part of a URL)', async () => {
    let requests = 0
    const registry = await serve((_req, res) => {
      requests++
      res.writeHead(404).end()
    })
    const rec = recordingClient()
    const repo = rec.client.repository(`${registry}/acme/app`)
    const bad = 'sha256:../../other/manifests/latest'
    try {
      expect(() =>
        repo.pushBlob({ mediaType: OCI_CONFIG, digest: bad, size: 3 }, { data: Buffer.from('abc') })
      ).toThrow(`invalid digest "${bad}"`)
      expect(requests).toBe(0)
    } finally {
      rec.client.close()
    }
  })

  it('an answer larger than its kind may be (16 MiB for a manifest): stopped there, not retried', async () => {
    const LIMIT = 16 * 1024 * 1024
    let gets = 0
    const registry = await serve((req, res) => {
      gets++
      // `over`: one byte more than a manifest may be; `exact`: the most it may be (not a manifest, though).
      const size = req.url?.endsWith('/over') ? LIMIT + 1 : LIMIT
      res.writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' })
      const chunk = Buffer.alloc(1024 * 1024, 0x20)
      let sent = 0
      const more = (): void => {
        while (sent < size && !res.destroyed) {
          const n = Math.min(chunk.length, size - sent)
          sent += n
          if (!res.write(chunk.subarray(0, n))) return void res.once('drain', more)
        }
        res.end()
      }
      res.on('close', () => (sent = size))
      more()
    })
    const rec = recordingClient({ maxAttempts: 3 })
    try {
      const repo = rec.client.repository(`${registry}/acme/app`)
      await expect(repo.getManifest('over')).rejects.toThrow(`response body over ${LIMIT} bytes`)
      expect(gets).toBe(1)
      const exact = await repo.getManifest('exact').catch((e: unknown) => e)
      expect(String(exact)).not.toContain('response body over')
    } finally {
      rec.client.close()
    }
  })
})
