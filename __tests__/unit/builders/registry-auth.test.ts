import { afterAll, describe, expect, it } from '@jest/globals'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writePrivateRegistryAuth } from '../../../src/builders/registry-auth.js'
import { withUmask022 } from './helpers.js'

withUmask022()
const made: string[] = []
afterAll(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true })
})

/** A temporary directory, removed after the file's tests. */
async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  made.push(dir)
  return dir
}

const b64 = (s: string) => Buffer.from(s).toString('base64')
const login = { registry: 'ghcr.io', username: 'octocat', password: 'ghs_token' }

async function userConfig(config: unknown): Promise<{ env: NodeJS.ProcessEnv; file: string }> {
  const dir = await tempDir('user-docker-')
  const file = join(dir, 'config.json')
  await writeFile(file, JSON.stringify(config))
  return { env: { DOCKER_CONFIG: dir }, file }
}

describe('writePrivateRegistryAuth', () => {
  it('keeps the login readable by the runner user only: a new directory 0700, the file 0600', async () => {
    const user = await userConfig({})
    const fresh = join(await tempDir('priv-'), 'auth')
    const out = await writePrivateRegistryAuth(fresh, login, user.env)
    expect((await stat(fresh)).mode & 0o777).toBe(0o700)
    expect((await stat(out.authFile)).mode & 0o777).toBe(0o600)
  })

  it('makes a config.json left readable by others in its directory 0600 again', async () => {
    const user = await userConfig({})
    const dir = await tempDir('priv-')
    await writeFile(join(dir, 'config.json'), '{}')
    await chmod(join(dir, 'config.json'), 0o644)
    const out = await writePrivateRegistryAuth(dir, login, user.env)
    expect((await stat(out.authFile)).mode & 0o777).toBe(0o600)
    expect(JSON.parse(await readFile(out.authFile, 'utf8')).auths['ghcr.io']).toEqual({
      auth: b64('octocat:ghs_token')
    })
  })

  it('adds the login for its registry and keeps the user’s logins for every other one', async () => {
    const user = await userConfig({
      auths: { 'quay.io': { auth: b64('robot:q') }, 'ghcr.io': { auth: b64('old:x') } },
      credHelpers: { 'ecr.example': 'ecr-login', 'ghcr.io': 'gh' }
    })
    const before = await readFile(user.file)
    const out = await writePrivateRegistryAuth(await tempDir('priv-'), login, user.env)
    const written = JSON.parse(await readFile(out.authFile, 'utf8'))
    expect(written.auths).toEqual({
      'quay.io': { auth: b64('robot:q') },
      'ghcr.io': { auth: b64('octocat:ghs_token') }
    })
    expect(written.credHelpers).toEqual({ 'ecr.example': 'ecr-login' })
    expect(await readFile(user.file)).toEqual(before)
  })

  it('keeps credsStore logins working through per-registry helpers', async () => {
    const user = await userConfig({ auths: { 'quay.io': {}, 'docker.io': {} }, credsStore: 'pass' })
    const out = await writePrivateRegistryAuth(await tempDir('priv-'), login, user.env)
    const written = JSON.parse(await readFile(out.authFile, 'utf8'))
    expect(written.credsStore).toBeUndefined()
    expect(written.credHelpers).toEqual({ 'quay.io': 'pass', 'docker.io': 'pass' })
    expect(written.auths['ghcr.io']).toEqual({ auth: b64('octocat:ghs_token') })
  })
})
