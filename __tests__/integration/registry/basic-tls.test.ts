import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { compileRegistryClient } from '../../support/registry/compile.js'
import { startBasicTlsRegistry, tempDir } from '../../support/registry/registries.js'
import type { TestRegistry } from '../../support/registry/registries.js'
import { randomLayer, recordingClient } from '../../support/registry/helpers.js'
import { skopeoRaw } from '../../support/registry/skopeo.js'
import { RegistryError, defaultKeychain } from '../../../src/registry/index.js'

const run = promisify(execFile)
const USER = 'bob'
const PASSWORD = 'tls-basic-secret'
let registry: TestRegistry
let work: string
let childScript: string

// Pushes one config blob and an image manifest, then reads the manifest back; prints its digest.
const CHILD = (clientPath: string) => `
import { RegistryClient, sha256Digest } from ${JSON.stringify(clientPath)}
const client = new RegistryClient({
  credentials: async () => ({ username: process.env.TEST_USER, password: process.env.TEST_PASSWORD })
})
const repo = client.repository(process.env.TEST_TARGET)
try {
  const config = Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}')
  const configDesc = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256Digest(config), size: config.length }
  await repo.pushBlob(configDesc, { data: config })
  const mediaType = 'application/vnd.oci.image.manifest.v1+json'
  const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, config: configDesc, layers: [] }))
  const { digest } = await repo.pushManifest('tls', body, mediaType)
  const got = await repo.getManifest('tls')
  process.stdout.write(JSON.stringify({ digest, read: got.digest }))
} finally {
  client.close()
}
`

beforeAll(async () => {
  registry = await startBasicTlsRegistry(USER, PASSWORD)
  work = tempDir('basic-tls-work')
  childScript = join(work, 'push.mjs')
  writeFileSync(childScript, CHILD(compileRegistryClient(join(work, 'client'))))
})
afterAll(async () => {
  await registry?.stop()
  if (work) rmSync(work, { recursive: true, force: true })
})

function runChild(extraEnv: Record<string, string>) {
  const target = `${registry.host}/acme/tls`
  const env = {
    PATH: process.env.PATH ?? '',
    TEST_USER: USER,
    TEST_PASSWORD: PASSWORD,
    TEST_TARGET: target,
    ...extraEnv
  }
  return run(process.execPath, [childScript], { env, encoding: 'utf8' })
}

describe('htpasswd Basic over TLS with a private CA', () => {
  it('trusts the CA given through NODE_EXTRA_CA_CERTS (read at process start)', async () => {
    const { stdout } = await runChild({ NODE_EXTRA_CA_CERTS: registry.certs.caCert })
    const { digest, read } = JSON.parse(stdout) as { digest: string; read: string }
    expect(read).toBe(digest)
    const raw = await skopeoRaw(`${registry.host}/acme/tls:tls`, { creds: `${USER}:${PASSWORD}` })
    expect(`sha256:${(await import('node:crypto')).createHash('sha256').update(raw).digest('hex')}`).toBe(
      digest
    )
  })

  it('also trusts the system store (SSL_CERT_FILE) when Node’s own store cannot verify the registry', async () => {
    const { stdout } = await runChild({ SSL_CERT_FILE: registry.certs.caCert })
    expect(JSON.parse(stdout)).toHaveProperty('digest')
  })

  it('refuses an untrusted certificate instead of falling back to plain HTTP', async () => {
    const err = (await runChild({}).catch(e => e)) as { code: number; stderr: string }
    expect(err.code).not.toBe(0)
    expect(err.stderr).toMatch(/self[- ]signed certificate|unable to (get|verify)/i)
    expect(err.stderr).not.toContain(PASSWORD)
  })

  const ca = () => [readFileSync(registry.certs.caCert, 'utf8')]

  it('fails fast on a wrong password with a clear message', async () => {
    const rec = recordingClient({
      ca: ca(),
      credentials: async () => ({ username: USER, password: 'nope-nope' })
    })
    const err = await rec.client
      .repository(`${registry.host}/acme/tls`)
      .checkPushAccess()
      .catch(e => e)
    rec.client.close()
    expect(err).toBeInstanceOf(RegistryError)
    expect(err.status).toBe(401)
    expect(err.message).toMatch(/rejected the credentials/)
    expect(rec.requests.map(r => `${r.method} ${r.status}`)).toEqual(['GET 401', 'POST 401'])
  })

  it('explains a missing login', async () => {
    const rec = recordingClient({ ca: ca() })
    const err = await rec.client
      .repository(`${registry.host}/acme/tls`)
      .checkPushAccess()
      .catch(e => e)
    rec.client.close()
    expect(err.hint).toMatch(/No credentials were found/)
  })

  it('finds the login in a docker config.json and masks what it derives from it', async () => {
    const dockerConfig = join(work, 'docker')
    mkdirSync(dockerConfig, { recursive: true })
    const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64')
    writeFileSync(
      join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [`https://${registry.host}`]: { auth } } })
    )
    const credentials = defaultKeychain({ env: { DOCKER_CONFIG: dockerConfig, HOME: work } })
    const rec = recordingClient({ ca: ca(), credentials })
    const layer = randomLayer(3000)
    const repo = rec.client.repository(`${registry.host}/acme/keychain`)
    await expect(repo.pushBlob(layer.desc, { data: layer.data })).resolves.toBe('uploaded')
    rec.client.close()
    expect(rec.secrets).toEqual(expect.arrayContaining([PASSWORD, auth]))
    expect(rec.logger.text()).not.toContain(auth)
  })
})
