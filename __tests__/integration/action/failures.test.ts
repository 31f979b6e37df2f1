import { describe, expect, it } from '@jest/globals'
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction } from '../../../scripts/run-action.mjs'
import { listTags, makeContext, rawManifest, sha256 } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'

const BUILD_GROUP = /::group::Build \(/

describe('dist/index.js when the build fails', () => {
  it('exits 1 and pushes nothing', async () => {
    const env = testEnv()
    const repository = `${env.registry}/${uniqueRepo('e2e-build-fails')}`
    const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN false\n` })
    const run = await runAction({
      cwd: context,
      inputs: {
        registry: env.registry,
        images: repository,
        tags: 'type=raw,value=never',
        builder: 'buildah',
        password: ''
      }
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(BUILD_GROUP)
    expect(run.stdout).toMatch(/::error::.*RUN false/)
    expect(listTags(repository)).toBe('NAME_UNKNOWN')
    expect(run.outputs.digest ?? '').toBe('')
    expect(run.post?.exitCode).toBe(0)
    expect(run.leftovers).toEqual([])
  }, 300000)
})

describe('dist/index.js with push: auto on a pull_request', () => {
  it('builds only: no tag in the registry, an empty digest, and says so', async () => {
    const env = testEnv()
    const repository = `${env.registry}/${uniqueRepo('e2e-pull-request')}`
    const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN echo pr > /pr.txt\n` })
    const run = await runAction({
      cwd: context,
      env: { GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge' },
      event: {
        number: 7,
        pull_request: { number: 7, head: { sha: '0123456789abcdef0123456789abcdef01234567' } }
      },
      inputs: {
        registry: env.registry,
        images: repository,
        tags: 'type=ref,event=pr',
        builder: 'buildah',
        push: 'auto'
      }
    })
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/Building only/)
    expect(run.stdout).toMatch(BUILD_GROUP)
    // the tags were computed, but none was pushed
    expect(run.outputs['tag-names']).toBe('pr-7')
    expect(listTags(repository)).toBe('NAME_UNKNOWN')
    expect(run.outputs.digest).toBe('')
    expect(run.outputs.refs).toBe('')
    expect(run.summary).toMatch(/not pushed/)
    expect(run.summary).not.toMatch(/docker pull/)
    expect(run.leftovers).toEqual([])
  }, 300000)
})

describe('dist/index.js fails on a bad build input before building, naming the input', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    [
      'a Dockerfile that does not exist',
      { file: 'Missing.Dockerfile' },
      /::error::input 'file': .*Missing\.Dockerfile/
    ],
    ['a bad platform', { platforms: 'linux/' }, /::error::input 'platforms': .*linux\//],
    [
      'an unreadable secret file',
      { secrets: 'id=x,src=/nonexistent' },
      /::error::input 'secrets': .*\/nonexistent/
    ],
    [
      'an unset secret variable',
      { secrets: 'id=x,env=E2E_UNSET_SECRET' },
      /::error::input 'secrets': .*E2E_UNSET_SECRET/
    ],
    ['an unknown builder', { builder: 'kaniko' }, /::error::input 'builder': .*kaniko/]
  ]
  it.each(cases)('%s', async (_name, inputs, message) => {
    const env = testEnv()
    const repository = `${env.registry}/${uniqueRepo('e2e-bad-input')}`
    const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN echo never > /never\n` })
    const run = await runAction({
      cwd: context,
      inputs: { registry: env.registry, images: repository, builder: 'buildah', password: '', ...inputs }
    })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(message)
    expect(run.stdout.match(/::error::/g)).toHaveLength(1)
    expect(run.stdout).not.toMatch(BUILD_GROUP)
    expect(listTags(repository)).toBe('NAME_UNKNOWN')
    expect(run.leftovers).toEqual([])
  })
})

describe("dist/index.js leaves the user's docker config byte-identical", () => {
  const original =
    '{\n\t"auths": {"example.invalid": {"auth": "dXNlcjpwYXNz"}},\n\t"credsStore": "nowhere",\n\t"psFormat": "x"}'

  it.each([['buildah'], ['docker']])(
    'with the %s builder and a password',
    async builder => {
      const env = testEnv()
      const image = `${env.registry}/${uniqueRepo(`e2e-config-${builder}`)}`
      const dockerConfig = await mkdtemp(join(tmpdir(), 'e2e-docker-config-'))
      await writeFile(join(dockerConfig, 'config.json'), original, { mode: 0o600 })
      const context = await makeContext({
        Dockerfile: `FROM ${env.baseImage}\nCOPY Dockerfile /Dockerfile\n`
      })
      const run = await runAction({
        cwd: context,
        env: { DOCKER_CONFIG: dockerConfig, DOCKER_HOST: env.dockerHost },
        inputs: {
          registry: env.registry,
          images: image,
          tags: 'type=raw,value=cfg',
          builder,
          username: 'octocat',
          password: 'e2e-password-never-stored'
        }
      })
      expect(run.stdout).not.toMatch(/::error/)
      expect(run.exitCode).toBe(0)
      expect(run.post?.exitCode).toBe(0)
      expect(sha256(rawManifest(`${image}:cfg`).body)).toBe(run.outputs.digest)
      expect(await readFile(join(dockerConfig, 'config.json'), 'utf8')).toBe(original)
      expect(await readdir(dockerConfig)).toEqual(['config.json'])
      // only the runner's own mask command may carry it
      const logged = run.stdout.replace(/^::add-mask::.*$/gm, '')
      expect(run.stdout).toContain('::add-mask::e2e-password-never-stored')
      expect(logged + run.stderr + (run.post?.stdout ?? '')).not.toContain('e2e-password-never-stored')
      expect(run.leftovers).toEqual([])
    },
    300000
  )
})
