import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction } from '../../../scripts/run-action.mjs'
import { execCommand } from '../../../src/exec.js'
import { testEnv } from '../../support/env.js'
import { startTokenRegistry, type TokenRegistry } from '../../support/registry/registries.js'

/**
 * Push access is checked against a token-auth registry while the build runs: a refusal stops the build,
 * fails the step with the registry's answer, and nothing is pushed.
 */
describe('dist/index.js: preflight against a token-auth registry', () => {
  let registry: TokenRegistry
  let context: string

  beforeAll(async () => {
    registry = await startTokenRegistry({
      users: {
        reader: { password: 'reader-pass', actions: ['pull'] },
        writer: { password: 'writer-pass-123', actions: ['pull', 'push'] }
      }
    })
    context = await mkdtemp(join(tmpdir(), 'preflight-'))
    await writeFile(join(context, 'Dockerfile'), `FROM ${testEnv().baseImage}\nRUN echo preflight > /p\n`)
  }, 60000)
  afterAll(() => registry?.stop())

  /** The log as the runner shows it: `::add-mask::` lines register secrets and are never displayed. */
  const visible = (stdout: string) =>
    stdout
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n')

  const publish = (username: string, password: string) =>
    runAction({
      cwd: context,
      inputs: {
        registry: registry.host,
        images: `${registry.host}/acme/app`,
        tags: 'type=raw,value=v1',
        builder: 'buildah',
        username,
        password
      }
    })

  /** Nothing of the image reached the registry: no push started, no blob or manifest written. */
  const pushedNothing = (stdout: string) => {
    expect(stdout).not.toContain('::group::Push')
    expect(stdout).not.toMatch(/(PUT|PATCH) http\S+ → 20\d/)
  }

  const buildahContainers = async () =>
    (await execCommand('buildah', ['containers', '--quiet'])).stdout.split('\n').filter(Boolean)

  it('fails fast, stopping the build, when the credentials may only pull', async () => {
    const before = await buildahContainers()
    const run = await publish('reader', 'reader-pass')
    // Stopped after it could clean up: buildah killed in its first moments leaves its working container.
    expect((await buildahContainers()).filter(c => !before.includes(c))).toEqual([])
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::.*/)
    expect(run.stdout).toMatch(/::error::.*may not push/)
    pushedNothing(run.stdout)
    expect(run.stdout).toContain('::add-mask::reader-pass')
    expect(visible(run.stdout)).not.toContain('reader-pass')
    expect(run.leftovers).toEqual([])
  })

  it('fails fast with a clear message and no retry storm on a wrong password', async () => {
    const before = registry.tokens.requests.length
    const containers = await buildahContainers()
    const run = await publish('writer', 'wrong-password')
    expect((await buildahContainers()).filter(c => !containers.includes(c))).toEqual([])
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::.*(401|unauthori[sz]ed|credentials|password)/i)
    pushedNothing(run.stdout)
    expect(visible(run.stdout)).not.toContain('wrong-password')
    expect(registry.tokens.requests.length - before).toBeLessThanOrEqual(2)
  })

  it('pushes with credentials that may push, masking the password', async () => {
    const run = await publish('writer', 'writer-pass-123')
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('::add-mask::writer-pass-123')
    expect(visible(run.stdout)).not.toContain('writer-pass-123')
    // Asynchronously: the token server answering skopeo runs in this process.
    const { stdout: raw } = await execCommand('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      'writer:writer-pass-123',
      `docker://${registry.host}/acme/app:v1`
    ])
    expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(run.outputs.digest)
  })
})
