import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { rmSync } from 'node:fs'
import { startTokenRegistry, tempDir } from '../../support/registry/registries.js'
import type { TokenRegistry } from '../../support/registry/registries.js'
import { randomLayer, recordingClient } from '../../support/registry/helpers.js'
import { writeLayout } from '../../support/registry/oci-builder.js'
import type { BuiltLayout } from '../../support/registry/oci-builder.js'
import { skopeoRaw } from '../../support/registry/skopeo.js'
import type { Credentials } from '../../../src/registry/index.js'
import { RegistryError, pushLayout } from '../../../src/registry/index.js'

const PASSWORD = 'correct-horse-battery'
let registry: TokenRegistry
let dir: string
let layout: BuiltLayout

beforeAll(async () => {
  registry = await startTokenRegistry({
    users: {
      alice: { password: PASSWORD, actions: ['pull', 'push'] },
      reader: { password: PASSWORD, actions: ['pull'] }
    }
  })
  dir = tempDir('token-layout')
  layout = await writeLayout(dir, { platforms: [{ os: 'linux', architecture: 'amd64', layers: [10_000] }] })
})
afterAll(async () => {
  await registry?.stop()
  if (dir) rmSync(dir, { recursive: true, force: true })
})
beforeEach(() => {
  registry.tokens.requests.length = 0
  registry.tokens.opts.oauthStyle = false
  registry.tokens.opts.expireNext = 0
})

const as = (username: string, password = PASSWORD) =>
  recordingClient({
    credentials: async (): Promise<Credentials> => ({ username, password })
  })

describe('token authentication, ghcr.io-like flow against our loopback token server', () => {
  it('pushes with one token carrying the push scope, and pulls it back', async () => {
    const rec = as('alice')
    await pushLayout(rec.client, dir, `${registry.host}/acme/app:v1`).finally(() => rec.client.close())
    expect(registry.tokens.requests).toEqual([
      {
        scopes: ['repository:acme/app:pull,push'],
        service: 'publish-image-test-registry',
        user: 'alice',
        status: 200
      }
    ])
    expect(await skopeoRaw(`${registry.host}/acme/app:v1`, { creds: `alice:${PASSWORD}` })).toEqual(
      layout.rootBody
    )

    const reader = as('reader')
    const got = await reader.client.repository(`${registry.host}/acme/app`).getManifest('v1')
    reader.client.close()
    expect(got.digest).toBe(layout.root.digest)
    expect(registry.tokens.requests.at(-1)?.scopes).toEqual(['repository:acme/app:pull'])

    const basic = Buffer.from(`alice:${PASSWORD}`).toString('base64')
    expect(rec.secrets).toEqual(expect.arrayContaining([PASSWORD, basic]))
    expect(rec.secrets).toHaveLength(3) // and the token
    for (const secret of rec.secrets) expect(rec.logger.text()).not.toContain(secret)
  })

  it('asks for pull on mount sources after the push scope', async () => {
    const rec = as('alice')
    const layer = randomLayer(2000)
    const source = rec.client.repository(`${registry.host}/acme/source`)
    const target = rec.client.repository(`${registry.host}/acme/target`)
    try {
      await source.pushBlob(layer.desc, { data: layer.data })
      expect(await target.pushBlob(layer.desc, { data: layer.data }, { mountFrom: ['acme/source'] })).toBe(
        'mounted'
      )
    } finally {
      rec.client.close()
    }
    expect(registry.tokens.requests.map(r => r.scopes)).toEqual([
      ['repository:acme/source:pull,push'],
      ['repository:acme/target:pull,push'],
      ['repository:acme/target:pull,push', 'repository:acme/source:pull']
    ])
  })

  it('accepts access_token with expires_in', async () => {
    registry.tokens.opts.oauthStyle = true
    const rec = as('alice')
    const layer = randomLayer(1000)
    const repo = rec.client.repository(`${registry.host}/acme/oauth`)
    await expect(repo.pushBlob(layer.desc, { data: layer.data })).resolves.toBe('uploaded')
    rec.client.close()
  })

  it('re-authenticates once when the registry rejects a token, and only once', async () => {
    registry.tokens.opts.expireNext = 1
    const ok = as('alice')
    const layer = randomLayer(1000)
    await ok.client.repository(`${registry.host}/acme/expiry`).pushBlob(layer.desc, { data: layer.data })
    ok.client.close()
    expect(registry.tokens.requests).toHaveLength(2)

    registry.tokens.requests.length = 0
    registry.tokens.opts.expireNext = 2
    const bad = as('alice')
    const err = await bad.client
      .repository(`${registry.host}/acme/expiry`)
      .blobExists(layer.desc.digest)
      .catch(e => e)
    bad.client.close()
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.status).toBe(401)
    expect(registry.tokens.requests).toHaveLength(2)
    expect(bad.count('HEAD')).toBe(2)
  })
})

describe('refusals', () => {
  it('fails fast on a wrong password, with a clear message and no retries', async () => {
    const rec = as('alice', 'wrong-password')
    const err = await rec.client
      .repository(`${registry.host}/acme/app`)
      .checkPushAccess()
      .catch(e => e)
    rec.client.close()
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.status).toBe(401)
    expect(err.message).toMatch(/rejected the credentials: check the username and password/)
    expect(err.message).not.toContain('wrong-password')
    expect(registry.tokens.requests).toHaveLength(1)
    expect(rec.requests.map(r => `${r.method} ${r.status}`)).toEqual(['GET undefined', 'GET 401', 'GET 401'])
  })

  it('explains an anonymous push', async () => {
    const rec = recordingClient()
    const err = await rec.client
      .repository(`${registry.host}/acme/app`)
      .checkPushAccess()
      .catch(e => e)
    rec.client.close()
    expect(err.status).toBe(401)
    expect(err.hint).toMatch(/No credentials were found for 127\.0\.0\.1:\d+/)
    expect(rec.count('POST')).toBe(2)
  })

  it('explains valid credentials without push rights', async () => {
    const rec = as('reader')
    const err = await rec.client
      .repository(`${registry.host}/acme/app`)
      .checkPushAccess()
      .catch(e => e)
    rec.client.close()
    expect(err.status).toBe(401)
    expect(err.hint).toMatch(/valid but may not push to/)
  })
})
