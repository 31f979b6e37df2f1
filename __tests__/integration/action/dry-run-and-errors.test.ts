import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction } from '../../../scripts/run-action.mjs'
import { keyValues } from '../../support/e2e.js'
import { startFakeGithubApi, type FakeGithubApi } from '../../support/github-api.js'

/** The GITHUB_SHA scripts/run-action.mjs sets. */
const GITHUB_SHA = '0123456789abcdef0123456789abcdef01234567'

const REPO = {
  name: 'Hello-World',
  description: 'A friendly image',
  html_url: 'https://github.com/Octo-Org/Hello-World',
  default_branch: 'main',
  license: { spdx_id: 'Apache-2.0' },
  owner: { login: 'Octo-Org', type: 'Organization' }
}

describe('dist/index.js in dry-run mode', () => {
  let api: FakeGithubApi
  let context: string
  beforeAll(async () => {
    api = await startFakeGithubApi({ '/repos/Octo-Org/Hello-World': { body: REPO } })
    context = await mkdtemp(join(tmpdir(), 'dry-run-'))
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\n')
  })
  afterAll(() => api.close())

  const env = () => ({
    GITHUB_API_URL: api.url,
    GITHUB_REPOSITORY: 'Octo-Org/Hello-World',
    GITHUB_REF: 'refs/tags/v1.2.3',
    SOURCE_DATE_EPOCH: '1700000000'
  })

  it('computes every metadata output from the repository, contacting no registry', async () => {
    const run = await runAction({
      cwd: context,
      token: 'ghs_dry_run_token',
      env: env(),
      inputs: {
        'dry-run': 'true',
        registry: '127.0.0.1:9',
        tags: 'type=semver,pattern={{version}}\ntype=semver,pattern={{major}}.{{minor}}',
        platforms: 'linux/amd64,linux/arm64',
        builder: 'buildah'
      }
    })
    expect(run.stderr).toBe('')
    expect(run.exitCode).toBe(0)
    const image = '127.0.0.1:9/octo-org/hello-world'
    expect(run.outputs.version).toBe('1.2.3')
    expect(run.outputs.tags).toBe(`${image}:1.2.3\n${image}:1.2\n${image}:latest`)
    expect(run.outputs.digest).toBe('')
    expect(run.outputs.labels).toContain('org.opencontainers.image.description=A friendly image')
    expect(run.outputs.labels).toContain('org.opencontainers.image.licenses=Apache-2.0')
    expect(run.outputs.labels).toContain('org.opencontainers.image.created=2023-11-14T22:13:20')
    expect(run.outputs.annotations).toContain('index:org.opencontainers.image.description=A friendly image')
    expect(run.outputs.annotations).toContain(
      'manifest:org.opencontainers.image.source=https://github.com/Octo-Org/Hello-World'
    )
    expect(run.stdout).toContain('Dry run')
    expect(run.stdout).toContain('Builder: buildah')
    expect(api.requests.map(r => r.path)).toContain('/repos/Octo-Org/Hello-World')
    expect(api.requests[0]?.authorization).toBe('token ghs_dry_run_token')
    expect(run.stdout).toContain('::add-mask::ghs_dry_run_token')
    expect(run.stdout.replace('::add-mask::ghs_dry_run_token', '')).not.toContain('ghs_dry_run_token')
  })

  it('plans a merge, contacting no registry: its digests, index annotations, ignored build inputs', async () => {
    const [amd64, arm64] = ['a', 'b'].map(c => `sha256:${c.repeat(64)}`)
    const run = await runAction({
      cwd: context,
      token: 'ghs_dry_run_token',
      env: env(),
      inputs: {
        'dry-run': 'true',
        merge: 'true',
        digests: `${amd64}\nlinux/arm64=${arm64}`,
        registry: '127.0.0.1:9',
        platforms: 'linux/amd64'
      }
    })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain(`Digests:\n  ${amd64}\n  linux/arm64=${arm64}`)
    expect(run.stdout).not.toContain('Builder:')
    expect(run.stdout).toMatch(/::warning::merge: true builds nothing, so platforms is ignored/)
    expect(run.outputs.annotations).toContain('index:org.opencontainers.image.description=A friendly image')
    expect(run.outputs.digest).toBe('')
  })

  it('merges nothing when push is off, and says so', async () => {
    const run = await runAction({
      cwd: context,
      env: env(),
      inputs: { merge: 'true', push: 'false', registry: '127.0.0.1:9' }
    })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain('Merging nothing (push: false)')
    expect(run.outputs.digest).toBe('')
    expect(run.summary).toMatch(/not pushed/)
  })

  it('warns and goes on when the REST API is unreachable', async () => {
    const run = await runAction({
      cwd: context,
      env: { ...env(), GITHUB_API_URL: 'http://127.0.0.1:9' },
      inputs: { 'dry-run': 'true', registry: '127.0.0.1:9', builder: 'buildah' }
    })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/::warning::.*(repository|REST|API)/i)
    // Without the API the labels come from the run: GITHUB_SHA, GITHUB_REPOSITORY, GITHUB_SERVER_URL.
    const labels = keyValues(run.outputs.labels)
    expect(labels['org.opencontainers.image.revision']).toBe(GITHUB_SHA)
    expect(labels['org.opencontainers.image.title']).toBe('Hello-World')
    expect(labels['org.opencontainers.image.source']).toBe('https://github.com/Octo-Org/Hello-World')
    expect(labels['org.opencontainers.image.description']).toBe('')
  })
})

describe('dist/index.js fails on bad input before building, naming the input', () => {
  let context: string
  beforeAll(async () => {
    context = await mkdtemp(join(tmpdir(), 'bad-input-'))
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\n')
  })

  const cases: [string, Record<string, string>, RegExp][] = [
    ['an unknown builder', { builder: 'kaniko' }, /input 'builder': 'kaniko' is not one of/],
    [
      'push-by-digest and merge together',
      { 'push-by-digest': 'true', merge: 'true' },
      /input 'merge': merge: true and push-by-digest: true exclude each other/
    ],
    ['merge without digests', { merge: 'true' }, /input 'digests': merge: true needs the digests/],
    [
      'digests without merge',
      { digests: `sha256:${'a'.repeat(64)}` },
      /input 'digests': digests are only read with merge: true/
    ],
    [
      'a bad digest line',
      { merge: 'true', digests: 'linux/amd64=sha256:abc' },
      /input 'digests': 'linux\/amd64=sha256:abc' is not a digest line/
    ],
    ['a context that does not exist', { context: 'nope' }, /input 'context': .*nope is not a directory/],
    ['a registry with a scheme', { registry: 'https://ghcr.io' }, /input 'registry'/],
    ['a bad boolean', { 'no-cache': 'yes' }, /input 'no-cache'/],
    [
      'every image disabled with push on',
      { images: 'name=127.0.0.1:9/a/b,enable=false', push: 'true' },
      /input 'images': every image is disabled \(enable=false\), so there is nowhere to push/
    ],
    [
      'every image disabled in a merge',
      { images: 'name=127.0.0.1:9/a/b,enable=false', merge: 'true', digests: `sha256:${'a'.repeat(64)}` },
      /input 'images': every image is disabled/
    ]
  ]
  it.each(cases)('%s', async (_name, inputs, message) => {
    const run = await runAction({ cwd: context, inputs: { registry: '127.0.0.1:9', ...inputs } })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(/::error::/)
    expect(run.stdout).toMatch(message)
    expect(run.leftovers).toEqual([])
  })
})
