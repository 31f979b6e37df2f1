import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction } from '../../../scripts/run-action.mjs'
import { testEnv } from '../../support/env.js'
import { startTokenRegistry, type TokenRegistry } from '../../support/registry/registries.js'

const WORKFLOW_TOKEN = 'ghs_workflow_token_never_for_others'
const b64 = (s: string) => Buffer.from(s).toString('base64')

/** Token auth on loopback plays a third-party registry (quay.io, Docker Hub…): not one of GitHub's. */
describe('dist/index.js: credentials for a registry that is not GitHub’s', () => {
  let registry: TokenRegistry
  let context: string
  let dockerConfig: string

  beforeAll(async () => {
    registry = await startTokenRegistry({
      users: { alice: { password: 'alice-pass-1', actions: ['pull', 'push'] } }
    })
    context = await mkdtemp(join(tmpdir(), 'creds-'))
    await writeFile(join(context, 'Dockerfile'), `FROM ${testEnv().baseImage}\nRUN echo creds > /c\n`)
    dockerConfig = await mkdtemp(join(tmpdir(), 'user-docker-config-'))
    const config = { auths: { [registry.host]: { auth: b64('alice:alice-pass-1') } } }
    await writeFile(join(dockerConfig, 'config.json'), JSON.stringify(config, null, 2))
  }, 60000)
  afterAll(() => registry?.stop())

  /** The action with the workflow token, building `context` with buildah for the loopback registry. */
  const publish = (inputs: Record<string, string>, env: Record<string, string> = {}) =>
    runAction({
      cwd: context,
      token: WORKFLOW_TOKEN,
      env,
      inputs: { registry: registry.host, images: `${registry.host}/acme/app`, builder: 'buildah', ...inputs }
    })

  it('pushes with the user’s docker login and never offers the workflow token', async () => {
    const configBefore = await readFile(join(dockerConfig, 'config.json'))
    const run = await publish({ tags: 'type=raw,value=v1' }, { DOCKER_CONFIG: dockerConfig })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const users = registry.tokens.requests.map(r => r.user)
    expect(users.length).toBeGreaterThan(0)
    expect(new Set(users)).toEqual(new Set(['alice']))
    expect(await readFile(join(dockerConfig, 'config.json'))).toEqual(configBefore)
  })

  it('masks the password and the workflow token in a build-only run', async () => {
    const run = await publish({ push: 'false', username: 'alice', password: 'alice-pass-1' })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('Building only (push: false)')
    expect(run.stdout).toContain('::add-mask::alice-pass-1')
    expect(run.stdout).toContain(`::add-mask::${b64('alice:alice-pass-1')}`)
    expect(run.stdout).toContain(`::add-mask::${WORKFLOW_TOKEN}`)
  })

  it('fails before building when a password comes without a username', async () => {
    const run = await publish({ password: 'p' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /::error::input 'username': a password was given for 127\.0\.0\.1:\d+ but no username/
    )
    expect(run.stdout).not.toContain('::group::Build')
  })
})
