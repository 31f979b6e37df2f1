import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defaultKeychain } from '../../../src/registry/index.js'
import type { Logger } from '../../../src/registry/index.js'

let home: string
let bin: string
let marker: string

const HELPER = `#!/bin/sh
read server
echo "$1 $server" >> "$HELPER_MARKER"
case "$server" in
  ghcr.io) echo '{"ServerURL":"ghcr.io","Username":"octo","Secret":"helper-pass"}' ;;
  token.example) echo '{"Username":"<token>","Secret":"refresh-xyz"}' ;;
  broken.example) echo 'boom' >&2; exit 3 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'publish-image-keychain-'))
  bin = join(home, 'bin')
  mkdirSync(bin)
  writeFileSync(join(bin, 'docker-credential-fake'), HELPER)
  chmodSync(join(bin, 'docker-credential-fake'), 0o755)
  marker = join(home, 'helper-calls')
})
afterAll(() => rmSync(home, { recursive: true, force: true }))

function dir(name: string, files: Record<string, unknown>): string {
  const d = join(home, name)
  mkdirSync(d, { recursive: true })
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(join(d, file, '..'), { recursive: true })
    writeFileSync(join(d, file), JSON.stringify(content))
  }
  return d
}

const b64 = (s: string) => Buffer.from(s).toString('base64')
const env = (extra: Record<string, string>) => ({
  HOME: join(home, 'empty-home'),
  PATH: `${bin}:/usr/bin:/bin`,
  HELPER_MARKER: marker,
  ...extra
})

describe('defaultKeychain', () => {
  it('prefers explicit credentials, then docker config.json', async () => {
    const dockerConfig = dir('docker1', {
      'config.json': { auths: { 'ghcr.io': { auth: b64('file-user:file:pass') } } }
    })
    const explicit = { 'https://ghcr.io': { username: 'input-user', password: 'input-pass' } }
    expect(await defaultKeychain({ explicit, env: env({ DOCKER_CONFIG: dockerConfig }) })('ghcr.io')).toEqual(
      explicit['https://ghcr.io']
    )
    // An explicit entry without a secret does not hide the file.
    const empty = { 'ghcr.io': { username: 'input-user', password: '' } }
    expect(
      await defaultKeychain({ explicit: empty, env: env({ DOCKER_CONFIG: dockerConfig }) })('ghcr.io')
    ).toEqual({
      username: 'file-user',
      password: 'file:pass'
    })
  })

  it("matches Docker Hub's legacy key and token fields", async () => {
    const dockerConfig = dir('docker2', {
      'config.json': {
        auths: {
          'https://index.docker.io/v1/': { auth: b64('hub:pw') },
          'registry.example': { identitytoken: 'id-token', auth: b64('someone:') },
          'bearer.example': { registrytoken: 'reg-token' }
        }
      }
    })
    const keychain = defaultKeychain({ env: env({ DOCKER_CONFIG: dockerConfig }) })
    expect(await keychain('docker.io')).toEqual({ username: 'hub', password: 'pw' })
    expect(await keychain('registry.example')).toEqual({
      username: 'someone',
      password: '',
      identityToken: 'id-token'
    })
    expect(await keychain('bearer.example')).toEqual({ registryToken: 'reg-token' })
    expect(await keychain('unknown.example')).toBeUndefined()
  })

  it('asks credHelpers before credsStore, falls back to auths when the helper has nothing', async () => {
    rmSync(marker, { force: true })
    const dockerConfig = dir('docker3', {
      'config.json': {
        credsStore: 'fake',
        credHelpers: { 'token.example': 'fake', 'missing.example': 'not-installed' },
        auths: { 'other.example': { auth: b64('o:p') }, 'missing.example': { auth: b64('m:p') } }
      }
    })
    const logs: string[] = []
    const logger: Logger = { debug: () => {}, info: () => {}, warning: m => logs.push(m) }
    const keychain = defaultKeychain({ env: env({ DOCKER_CONFIG: dockerConfig }), logger })
    expect(await keychain('ghcr.io')).toEqual({ username: 'octo', password: 'helper-pass' })
    expect(await keychain('token.example')).toEqual({ identityToken: 'refresh-xyz' })
    expect(await keychain('other.example')).toEqual({ username: 'o', password: 'p' })
    expect(await keychain('missing.example')).toEqual({ username: 'm', password: 'p' })
    expect(logs.join()).toMatch(/docker-credential-not-installed could not run/)
    expect(await keychain('docker.io')).toBeUndefined()
    expect(readFileSync(marker, 'utf8').trim().split('\n')).toEqual([
      'get ghcr.io',
      'get token.example',
      'get other.example',
      'get https://index.docker.io/v1/'
    ])
  })

  it('reports a failing helper', async () => {
    const dockerConfig = dir('docker4', { 'config.json': { credsStore: 'fake' } })
    await expect(
      defaultKeychain({ env: env({ DOCKER_CONFIG: dockerConfig }) })('broken.example')
    ).rejects.toThrow(/docker-credential-fake get failed \(exit 3\): boom/)
  })

  it('reads containers auth.json: REGISTRY_AUTH_FILE, else XDG_RUNTIME_DIR, else ~/.config', async () => {
    const authFile = dir('auth1', { 'auth.json': { auths: { 'quay.io': { auth: b64('from-env:x') } } } })
    const runtime = dir('runtime', {
      'containers/auth.json': { auths: { 'quay.io': { auth: b64('from-runtime:x') } } }
    })
    const config = dir('xdg-config', {
      'containers/auth.json': { auths: { 'quay.io': { auth: b64('from-config:x') } } }
    })
    const user = (c: unknown) => (c as { username: string } | undefined)?.username
    expect(
      user(
        await defaultKeychain({
          env: env({ REGISTRY_AUTH_FILE: join(authFile, 'auth.json'), XDG_RUNTIME_DIR: runtime })
        })('quay.io')
      )
    ).toBe('from-env')
    expect(
      user(
        await defaultKeychain({ env: env({ XDG_RUNTIME_DIR: runtime, XDG_CONFIG_HOME: config }) })('quay.io')
      )
    ).toBe('from-runtime')
    expect(user(await defaultKeychain({ env: env({ XDG_CONFIG_HOME: config }) })('quay.io'))).toBe(
      'from-config'
    )
  })

  it("never gives one host's auth.json credentials to another", async () => {
    const authFile = dir('auth-other', {
      'auth.json': {
        auths: { 'quay.io': { auth: b64('quay-user:x') }, 'quay.io/org/app': { auth: b64('u:x') } }
      }
    })
    const keychain = defaultKeychain({ env: env({ REGISTRY_AUTH_FILE: join(authFile, 'auth.json') }) })
    expect(await keychain('ghcr.io')).toBeUndefined()
    expect(await keychain('ghcr.io', 'org/app')).toBeUndefined()
  })

  it('prefers docker config.json over auth.json, and the most specific auth.json key for a repository', async () => {
    const dockerConfig = dir('docker5', {
      'config.json': { auths: { 'quay.io': { auth: b64('docker:x') } } }
    })
    const authFile = dir('auth2', {
      'auth.json': {
        auths: {
          'quay.io': { auth: b64('host:x') },
          'quay.io/acme': { auth: b64('namespace:x') },
          'quay.io/acme/app': { auth: b64('repo:x') }
        }
      }
    })
    const file = join(authFile, 'auth.json')
    expect(
      (
        await defaultKeychain({ env: env({ DOCKER_CONFIG: dockerConfig, REGISTRY_AUTH_FILE: file }) })(
          'quay.io'
        )
      )?.username
    ).toBe('docker')
    const keychain = defaultKeychain({ env: env({ REGISTRY_AUTH_FILE: file }) })
    expect((await keychain('quay.io', 'acme/app'))?.username).toBe('repo')
    expect((await keychain('quay.io', 'acme/other'))?.username).toBe('namespace')
    expect((await keychain('quay.io', 'acmeish/app'))?.username).toBe('host')
    expect((await keychain('quay.io'))?.username).toBe('host')
  })

  it('says which file is not JSON', async () => {
    const d = join(home, 'bad-json')
    mkdirSync(d)
    writeFileSync(join(d, 'config.json'), '{ nope')
    await expect(defaultKeychain({ env: env({ DOCKER_CONFIG: d }) })('ghcr.io')).rejects.toThrow(
      /bad-json\/config.json is not valid JSON/
    )
  })
})
