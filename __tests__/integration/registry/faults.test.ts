import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { readdirSync, rmSync } from 'node:fs'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { FaultProxy, GHCR_CHUNK_LIMIT_FAULT } from '../../support/registry/fault-proxy.js'
import { randomLayer, recordingClient } from '../../support/registry/helpers.js'
import { tempDir } from '../../support/registry/registries.js'
import { writeLayout } from '../../support/registry/oci-builder.js'
import type { BuiltLayout } from '../../support/registry/oci-builder.js'
import { skopeoRaw } from '../../support/registry/skopeo.js'
import { RegistryError, pushLayout, sha256Digest } from '../../../src/registry/index.js'
import type { Repository } from '../../../src/registry/index.js'

const MiB = 1024 * 1024
let proxy: FaultProxy
let layoutDir: string
let layout: BuiltLayout

beforeAll(async () => {
  proxy = new FaultProxy(testEnv().registry)
  await proxy.start()
  layoutDir = tempDir('faults-layout')
  layout = await writeLayout(layoutDir, {
    platforms: [
      { os: 'linux', architecture: 'amd64', layers: [40_000, 1_000] },
      { os: 'linux', architecture: 'arm64', layers: [30_000, 2_000] }
    ]
  })
})
afterAll(async () => {
  await proxy?.stop()
  if (layoutDir) rmSync(layoutDir, { recursive: true, force: true })
})
beforeEach(() => proxy.clear())

/** Pushes the shared layout through the proxy and checks every manifest with skopeo, straight from the registry. */
async function pushAndVerify(opts: Parameters<typeof recordingClient>[0] = {}) {
  const rec = recordingClient({ maxAttempts: 4, ...opts })
  const repo = uniqueRepo('faults')
  try {
    const { digest } = await pushLayout(rec.client, layoutDir, `${proxy.host}/${repo}:v1`)
    expect(digest).toBe(layout.root.digest)
    const registry = testEnv().registry
    expect(await skopeoRaw(`${registry}/${repo}:v1`)).toEqual(layout.rootBody)
    for (const m of layout.manifests)
      expect(await skopeoRaw(`${registry}/${repo}@${m.digest}`)).toEqual(m.body)
    return { ...rec, repo }
  } finally {
    rec.client.close()
  }
}

const faultsHit = (kind: string) => proxy.log.filter(e => e.fault === kind)

describe('pushing through a faulty network', () => {
  it('retries 5xx answers on every kind of request and completes with the right digests', async () => {
    const unavailable = { kind: 'status', status: 503 } as const
    proxy.add(
      { method: 'HEAD', path: /\/blobs\//, action: unavailable },
      { method: 'POST', path: /\/blobs\/uploads\/$/, times: 2, action: unavailable },
      { method: 'PUT', path: /\/blobs\/uploads\//, action: { kind: 'status', status: 500 } },
      { method: 'PUT', path: /\/manifests\/sha256:/, action: { kind: 'status', status: 502 } },
      { method: 'PUT', path: /\/manifests\/v1$/, action: unavailable }
    )
    await pushAndVerify()
    expect(faultsHit('status')).toHaveLength(6)
  })

  it('honours Retry-After on 429', async () => {
    proxy.add({
      method: 'PUT',
      path: /\/manifests\/v1$/,
      action: {
        kind: 'status',
        status: 429,
        headers: { 'retry-after': '1' },
        body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}'
      }
    })
    await pushAndVerify()
    const tagPuts = proxy.log.filter(e => e.method === 'PUT' && e.path.endsWith('/manifests/v1'))
    expect(tagPuts.map(e => e.status)).toEqual([429, 201])
    expect(tagPuts[1]!.at - tagPuts[0]!.at).toBeGreaterThanOrEqual(950)
  })

  it("honours ghcr.io's retry-after inside the 429 message rather than its own backoff", async () => {
    const body = JSON.stringify({
      errors: [{ code: 'TOOMANYREQUESTS', message: 'retry-after: 10.487765ms, allowed: 2000/minute' }]
    })
    proxy.add({ method: 'PUT', path: /\/manifests\/v1$/, action: { kind: 'status', status: 429, body } })
    // Its own backoff would wait at least 2.5 s.
    await pushAndVerify({ backoff: { initialMs: 5000, maxMs: 5000 } })
    const tagPuts = proxy.log.filter(e => e.method === 'PUT' && e.path.endsWith('/manifests/v1'))
    expect(tagPuts.map(e => e.status)).toEqual([429, 201])
    expect(tagPuts[1]!.at - tagPuts[0]!.at).toBeLessThan(1000)
  })

  it('times out a slow answer and tries again; waits for one that is slow but in time', async () => {
    proxy.add(
      { method: 'HEAD', path: /\/manifests\/sha256:/, action: { kind: 'delay', ms: 2500 } },
      { method: 'GET', path: /\/v2\/$/, action: { kind: 'delay', ms: 300 } }
    )
    const { requests } = await pushAndVerify({ requestTimeoutMs: 1000 })
    const timedOut = requests.filter(r => r.method === 'HEAD' && r.status === undefined)
    expect(timedOut.length).toBeGreaterThanOrEqual(1)
    expect(faultsHit('delay')).toHaveLength(2)
  })
})

describe('blob uploads under faults', () => {
  const uploadsLog = () =>
    proxy.log.filter(e => e.path.includes('/blobs/uploads/')).map(e => `${e.method} ${e.status ?? e.fault}`)

  async function pushOne(size: number, opts: Parameters<typeof recordingClient>[0] = {}) {
    const rec = recordingClient(opts)
    const repo = rec.client.repository(`${proxy.host}/${uniqueRepo('blob')}`)
    const layer = randomLayer(size)
    try {
      const result = await repo.pushBlob(layer.desc, { data: layer.data })
      expect((await repo.getBlob(layer.desc.digest)).equals(layer.data)).toBe(true)
      return { ...rec, result }
    } finally {
      rec.client.close()
    }
  }

  it('resumes a chunked upload from the registry Range after a chunk failed', async () => {
    const secondChunk = `${2 * MiB}-${4 * MiB - 1}`
    proxy.add({
      method: 'PATCH',
      when: req => req.headers['content-range'] === secondChunk,
      action: { kind: 'status', status: 503 }
    })
    const { result } = await pushOne(6 * MiB, { chunkSize: 2 * MiB })
    expect(result).toBe('uploaded')
    expect(uploadsLog()).toEqual([
      'POST 202',
      'PATCH 202',
      'PATCH 503',
      'GET 204',
      'PATCH 202',
      'PATCH 202',
      'PUT 201'
    ])
    const ranges = proxy.log.filter(e => e.method === 'PATCH').map(e => e.contentRange)
    expect(ranges).toEqual([`0-${2 * MiB - 1}`, secondChunk, secondChunk, `${4 * MiB}-${6 * MiB - 1}`])
  })

  it('starts a new session when the registry dropped the one a streamed PUT broke', async () => {
    proxy.add({
      method: 'PUT',
      path: /\/blobs\/uploads\//,
      action: { kind: 'reset-request', afterBytes: 3 * MiB }
    })
    await pushOne(5 * MiB)
    expect(uploadsLog()).toEqual(['POST 202', 'PUT reset-request', 'GET 404', 'POST 202', 'PUT 201'])
  })

  it("shrinks chunks to 4 MiB after ghcr.io's 416 and completes", async () => {
    proxy.add(GHCR_CHUNK_LIMIT_FAULT)
    const { logger } = await pushOne(10 * MiB, { chunkSize: 6 * MiB })
    const patches = proxy.log.filter(e => e.method === 'PATCH')
    expect(patches.map(p => `${p.contentRange} ${p.status}`)).toEqual([
      `0-${6 * MiB - 1} 416`,
      `0-${4 * MiB - 1} 202`,
      `${4 * MiB}-${8 * MiB - 1} 202`,
      `${8 * MiB}-${10 * MiB - 1} 202`
    ])
    expect(logger.text()).toMatch(/continuing with 4 MiB chunks/)
  })

  it('retries a GET whose response is cut in the middle', async () => {
    proxy.add({
      method: 'GET',
      path: /\/blobs\/sha256:/,
      action: { kind: 'reset-response', afterBytes: 1000 }
    })
    await pushOne(50_000)
    expect(proxy.log.filter(e => e.method === 'GET' && e.path.includes('/blobs/sha256:'))).toHaveLength(2)
  })

  it('uploads normally when a cross-repository mount fails', async () => {
    proxy.add({
      method: 'POST',
      when: req => (req.url ?? '').includes('mount='),
      action: { kind: 'status', status: 401 }
    })
    const rec = recordingClient()
    const layer = randomLayer(5000)
    const repo = rec.client.repository(`${proxy.host}/${uniqueRepo('mount-fails')}`)
    try {
      expect(await repo.pushBlob(layer.desc, { data: layer.data }, { mountFrom: ['acme/elsewhere'] })).toBe(
        'uploaded'
      )
    } finally {
      rec.client.close()
    }
    expect(uploadsLog()).toEqual(['POST 401', 'POST 202', 'PUT 201'])
  })

  it('fails when the registry reports another digest than the one we sent', async () => {
    const wrong = `sha256:${'0'.repeat(64)}`
    proxy.add({
      method: 'PUT',
      path: /\/blobs\/uploads\//,
      action: { kind: 'rewrite-header', name: 'docker-content-digest', value: wrong }
    })
    const err = await pushOne(10_000).catch(e => e)
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.message).toMatch(`the registry stored ${wrong}`)
  })

  it('fails when the registry reports another manifest digest than ours', async () => {
    const wrong = `sha256:${'f'.repeat(64)}`
    proxy.add({
      method: 'PUT',
      path: /\/manifests\//,
      action: { kind: 'rewrite-header', name: 'docker-content-digest', value: wrong }
    })
    const rec = recordingClient()
    const err = await pushLayout(rec.client, layoutDir, `${proxy.host}/${uniqueRepo('bad-manifest')}:v1`)
      .catch(e => e)
      .finally(() => rec.client.close())
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.message).toMatch(`the registry stored manifest ${wrong}`)
    expect(proxy.log.filter(e => e.method === 'PUT' && e.path.endsWith('/manifests/v1'))).toEqual([])
  })

  it('never writes a tag when a blob cannot be pushed, and does not nest retries', async () => {
    const failing = layout.blobs.find(b => b.size === 30_000)!
    proxy.add({
      method: 'PUT',
      path: /\/blobs\/uploads\//,
      when: req => (req.url ?? '').includes(encodeURIComponent(failing.digest)),
      times: Infinity,
      action: { kind: 'status', status: 500 }
    })
    const rec = recordingClient({ maxAttempts: 3 })
    const repo = uniqueRepo('no-tag')
    try {
      const err = await pushLayout(rec.client, layoutDir, `${proxy.host}/${repo}:v1`).catch(e => e)
      expect(err).toBeInstanceOf(RegistryError)
      expect(err.status).toBe(500)
      expect(await rec.client.repository(`${proxy.host}/${repo}`).headManifest('v1')).toBeUndefined()
    } finally {
      rec.client.close()
    }
    expect(proxy.log.filter(e => e.method === 'PUT' && e.path.includes('/manifests/'))).toEqual([])
    // One loop of 3 attempts: 3 PUTs of that blob, not 3 × 3.
    expect(faultsHit('status')).toHaveLength(3)
    // Every session abandoned (one per failed PUT) is cancelled.
    expect(proxy.log.filter(e => e.method === 'DELETE' && e.path.includes('/blobs/uploads/'))).toHaveLength(3)
  })

  it('keeps at most `concurrency` uploads in flight', async () => {
    proxy.add({
      method: 'PUT',
      path: /\/blobs\/uploads\//,
      times: Infinity,
      action: { kind: 'delay', ms: 150 }
    })
    const rec = recordingClient({ concurrency: 2 })
    const repo = rec.client.repository(`${proxy.host}/${uniqueRepo('limit')}`)
    try {
      const layers = Array.from({ length: 6 }, () => randomLayer(1000))
      await Promise.all(layers.map(l => repo.pushBlob(l.desc, { data: l.data })))
    } finally {
      rec.client.close()
    }
    expect(proxy.peakInFlight.get('PUT')).toBe(2)
  })
})

describe('large blobs, wrong bytes and the operation deadline', () => {
  const uploadsLog = () =>
    proxy.log.filter(e => e.path.includes('/blobs/uploads/')).map(e => `${e.method} ${e.status ?? e.fault}`)
  const big = randomLayer(65 * MiB)

  it('uploads a blob too large for one exchange at the floor rate in chunks, and a smaller one in one PUT', async () => {
    // Longest deadline 90 s: 60 s base + 30 s at 256 KiB/s carries 7.5 MiB, so blobs over 64 MiB go in 64 MiB chunks.
    const slow = recordingClient({ requestTimeoutMs: 90_000 })
    const repo = slow.client.repository(`${proxy.host}/${uniqueRepo('large')}`)
    await repo.pushBlob(big.desc, { data: big.data }).finally(() => slow.client.close())
    expect(uploadsLog()).toEqual(['POST 202', 'PATCH 202', 'PATCH 202', 'PUT 201'])
    expect(proxy.log.filter(e => e.method === 'PATCH').map(e => e.contentRange)).toEqual([
      `0-${64 * MiB - 1}`,
      `${64 * MiB}-${65 * MiB - 1}`
    ])

    proxy.clear()
    const usual = recordingClient()
    const other = usual.client.repository(`${proxy.host}/${uniqueRepo('large')}`)
    await other.pushBlob(big.desc, { data: big.data }).finally(() => usual.client.close())
    expect(uploadsLog()).toEqual(['POST 202', 'PUT 201'])
  })

  it('refuses a small blob whose bytes do not match its digest', async () => {
    const layer = randomLayer(20_000)
    const rec = recordingClient()
    const direct = rec.client.repository(`${testEnv().registry}/${uniqueRepo('corrupt')}`)
    await direct.pushBlob(layer.desc, { data: layer.data })
    proxy.add({ method: 'GET', path: /\/blobs\/sha256:/, action: { kind: 'corrupt-response' } })
    const viaProxy = rec.client.repository(`${proxy.host}/${direct.path}`)
    const err = await viaProxy
      .getBlob(layer.desc.digest)
      .catch(e => e)
      .finally(() => rec.client.close())
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.message).toMatch(`, not ${layer.desc.digest}`)
    expect(faultsHit('corrupt-response')).toHaveLength(1)
  })

  it('copies a blob over 64 MiB from another registry through a file, and refuses wrong bytes', async () => {
    const rec = recordingClient()
    const sourcePath = uniqueRepo('copy-src')
    await rec.client.repository(`${testEnv().registry}/${sourcePath}`).pushBlob(big.desc, { data: big.data })
    // The proxy is another registry host to the client: no mount, a copy.
    const source = rec.client.repository(`${proxy.host}/${sourcePath}`)
    const staging = tempDir('copy-staging')
    try {
      proxy.add({ method: 'GET', path: /\/blobs\/sha256:/, action: { kind: 'corrupt-response' } })
      const refused = rec.client.repository(`${testEnv().registry}/${uniqueRepo('copy-bad')}`)
      const err = await refused.copyBlobFrom(big.desc, source, staging).catch(e => e)
      expect(err).toBeInstanceOf(RegistryError)
      expect(err.message).toMatch(`, not ${big.desc.digest}`)
      expect(await refused.blobExists(big.desc.digest)).toBe(false)

      const target = rec.client.repository(`${testEnv().registry}/${uniqueRepo('copy-dst')}`)
      expect(await target.copyBlobFrom(big.desc, source, staging)).toBe('uploaded')
      expect(await target.blobExists(big.desc.digest)).toBe(true)
      expect(readdirSync(staging)).toEqual([])
      expect(proxy.log.filter(e => e.method === 'GET' && e.path.includes('/blobs/sha256:'))).toHaveLength(2)
    } finally {
      rec.client.close()
      rmSync(staging, { recursive: true, force: true })
    }
  })

  it('stops the push at the operation deadline with an error naming it, and writes no tag', async () => {
    proxy.add({
      method: 'PUT',
      path: /\/blobs\/uploads\//,
      times: Infinity,
      action: { kind: 'delay', ms: 5000 }
    })
    const rec = recordingClient()
    const repo = uniqueRepo('deadline')
    const started = Date.now()
    rec.client.startDeadline(800, 'the test push')
    const err = await pushLayout(rec.client, layoutDir, `${proxy.host}/${repo}:v1`, {
      signal: rec.client.signal
    })
      .catch(e => e)
      .finally(() => rec.client.close())
    expect(Date.now() - started).toBeLessThan(4000)
    expect(String(err.message)).toMatch('the test push did not finish within 0.8 s')
    const reader = recordingClient()
    expect(await reader.client.repository(`${testEnv().registry}/${repo}`).headManifest('v1')).toBeUndefined()
    reader.client.close()
    expect(proxy.log.filter(e => e.method === 'PUT' && e.path.includes('/manifests/'))).toEqual([])
  })
})

describe('a streamed upload that fails', () => {
  async function* chunksOf(size: number, chunk: number): AsyncGenerator<Uint8Array> {
    for (let sent = 0; sent < size; sent += chunk) yield randomLayer(Math.min(chunk, size - sent)).data
  }

  it('DELETEs its upload session (best effort) and throws the failure', async () => {
    proxy.add({ method: 'PATCH', path: /\/blobs\/uploads\//, action: { kind: 'status', status: 500 } })
    const rec = recordingClient({ chunkSize: MiB })
    const repo = rec.client.repository(`${proxy.host}/${uniqueRepo('stream-cancel')}`)
    const ended = new Promise<never>(() => {})
    try {
      const err = await repo.pushStream(chunksOf(3 * MiB, 256 * 1024), ended).catch(e => e)
      expect(err).toBeInstanceOf(RegistryError)
      const uploads = proxy.log.filter(e => e.path.includes('/blobs/uploads/'))
      expect(uploads.map(e => `${e.method} ${e.status}`)).toEqual(['POST 202', 'PATCH 500', 'DELETE 204'])
      const session = uploads[0]!.path
      expect(uploads[2]!.path.startsWith(session)).toBe(true)
      expect(uploads[2]!.path.length).toBeGreaterThan(session.length)
    } finally {
      rec.client.close()
    }
  })
})

describe('compare-and-swap manifest writes (ifMatch)', () => {
  const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
  const putsTo = (tag: string) =>
    proxy.log.filter(e => e.method === 'PUT' && e.path.endsWith(`/manifests/${tag}`))

  /** A manifest (config only, labelled `name`) whose config is already in `repo`. */
  async function manifestIn(repo: Repository, name: string) {
    const config = Buffer.from(
      JSON.stringify({
        architecture: 'amd64',
        os: 'linux',
        config: { Labels: { name } },
        rootfs: { type: 'layers', diff_ids: [] }
      })
    )
    const configDesc = {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: sha256Digest(config),
      size: config.length
    }
    await repo.pushBlob(configDesc, { data: config })
    const body = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configDesc, layers: [] })
    )
    return { body, digest: sha256Digest(body) }
  }

  /** Runs `test` with a fresh repository behind the proxy, closing its client after. */
  async function withProxiedRepo(test: (repo: Repository) => Promise<void>): Promise<void> {
    const rec = recordingClient({ maxAttempts: 4 })
    try {
      await test(rec.client.repository(`${proxy.host}/${uniqueRepo('cas')}`))
    } finally {
      rec.client.close()
    }
  }

  it('sends If-None-Match: * for a tag read absent and If-Match with the digest read before', async () => {
    const conditions: string[] = []
    proxy.add({
      method: 'PUT',
      path: /\/manifests\/t$/,
      times: Infinity,
      when: req => {
        conditions.push(`${req.headers['if-none-match'] ?? '-'} ${req.headers['if-match'] ?? '-'}`)
        return false
      },
      action: { kind: 'delay', ms: 0 }
    })
    await withProxiedRepo(async repo => {
      const a = await manifestIn(repo, 'a')
      const b = await manifestIn(repo, 'b')
      await repo.pushManifest('t', a.body, OCI_MANIFEST, { ifMatch: null })
      await repo.pushManifest('t', b.body, OCI_MANIFEST, { ifMatch: a.digest })
      expect(conditions).toEqual(['* -', `- "${a.digest}"`])
      expect((await repo.headManifest('t'))?.digest).toBe(b.digest)
    })
  })

  it('sends a compare-and-swap PUT once: a 5xx fails it instead of replaying a body that may be stale', async () => {
    await withProxiedRepo(async repo => {
      const a = await manifestIn(repo, 'a')
      proxy.add({ method: 'PUT', path: /\/manifests\/t$/, action: { kind: 'status', status: 503 } })
      const err = await repo.pushManifest('t', a.body, OCI_MANIFEST, { ifMatch: null }).catch(e => e)
      expect(err).toBeInstanceOf(RegistryError)
      expect(err.status).toBe(503)
      expect(putsTo('t')).toHaveLength(1)
      // The same answer to a plain PUT is retried (so the test above is about ifMatch).
      proxy.add({ method: 'PUT', path: /\/manifests\/u$/, action: { kind: 'status', status: 503 } })
      await repo.pushManifest('u', a.body, OCI_MANIFEST)
      expect(putsTo('u')).toHaveLength(2)
    })
  })

  it('writes nothing when the HEAD a compare-and-swap needs is refused (403); a plain push goes on', async () => {
    await withProxiedRepo(async repo => {
      const a = await manifestIn(repo, 'a')
      proxy.add({
        method: 'HEAD',
        path: /\/manifests\/t$/,
        times: 2,
        action: { kind: 'status', status: 403 }
      })
      const err = await repo.pushManifest('t', a.body, OCI_MANIFEST, { ifMatch: null }).catch(e => e)
      expect(err).toBeInstanceOf(RegistryError)
      expect(err.status).toBe(403)
      expect(putsTo('t')).toEqual([])
      await repo.pushManifest('t', a.body, OCI_MANIFEST)
      expect(putsTo('t')).toHaveLength(1)
    })
  })

  it('refuses to push a manifest under a digest that is not its own, sending nothing', async () => {
    await withProxiedRepo(async repo => {
      const a = await manifestIn(repo, 'a')
      proxy.clear()
      const other = `sha256:${'0'.repeat(64)}`
      await expect(repo.pushManifest(other, a.body, OCI_MANIFEST)).rejects.toThrow(
        `cannot push a manifest whose digest is ${a.digest} as ${other}`
      )
      expect(proxy.log).toEqual([])
    })
  })
})
