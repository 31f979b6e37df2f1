import { beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { makeContext, pullImage } from '../../support/e2e.js'
import { filesOf, pruneBuildkitCache } from '../../support/buildx.js'
import { testEnv, uniqueRepo } from '../../support/env.js'

interface CacheSpec {
  to: string
  from: string
}

// Each RUN writes a random value: a second build shows the same value only when it reused the cached
// step. The test buildkitd's own cache is pruned between the builds, so the reuse can only come from the
// exported cache.
describe.each([
  [
    'type=local',
    async (): Promise<CacheSpec> => {
      const dir = await mkdtemp(join(tmpdir(), 'buildx-cache-'))
      return { to: `type=local,dest=${dir},mode=max`, from: `type=local,src=${dir}` }
    }
  ],
  [
    'type=registry',
    async (): Promise<CacheSpec> => {
      const ref = `${testEnv().registry}/${uniqueRepo('buildx-cache')}:buildcache`
      return { to: `type=registry,ref=${ref},mode=max`, from: `type=registry,ref=${ref}` }
    }
  ]
])('dist/index.js with buildx and a %s cache', (_type, makeSpec) => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-buildx-cache')}`
  const runs: Record<'first' | 'cached' | 'noCache', ActionRun | undefined> = {
    first: undefined,
    cached: undefined,
    noCache: undefined
  }
  const random: Record<string, string> = {}

  const build = async (context: string, tag: string, inputs: Record<string, string>) => {
    const run = await runAction({
      cwd: context,
      inputs: {
        registry: env.registry,
        images: image,
        tags: `type=raw,value=${tag}`,
        builder: 'buildx',
        password: '',
        ...inputs
      }
    })
    if (run.exitCode === 0) {
      const files = filesOf(await pullImage(`${image}@${run.outputs.digest}`))
      random[tag] = files.get('random')?.toString('utf8') ?? ''
    }
    return run
  }

  beforeAll(async () => {
    const spec = await makeSpec()
    const context = await makeContext({
      Dockerfile: `FROM ${env.baseImage}\nRUN echo ${image} && cat /proc/sys/kernel/random/uuid > /random\n`
    })
    runs.first = await build(context, 'first', { 'cache-to': spec.to })
    pruneBuildkitCache()
    runs.cached = await build(context, 'cached', { 'cache-from': spec.from, pull: 'true' })
    pruneBuildkitCache()
    runs.noCache = await build(context, 'no-cache', { 'cache-from': spec.from, 'no-cache': 'true' })
  }, 600000)

  it('all three builds succeed', () => {
    expect([runs.first, runs.cached, runs.noCache].map(r => r?.exitCode)).toEqual([0, 0, 0])
    expect(runs.first?.stdout).toContain('--cache-to')
  })

  it('the second build reuses the RUN step from the exported cache', () => {
    expect(random.first).toMatch(/^[0-9a-f-]{36}\n$/)
    expect(random.cached).toBe(random.first)
    // BuildKit says CACHED, or, when the export wants the layer uncompressed, shows the cached
    // layer being fetched for the RUN step instead of running it.
    const fetchedFromCache = /#(\d+) \[2\/2\] RUN[^\n]*\n(?:#\1 sha256:[0-9a-f]{64} [^\n]*done\n)+#\1 DONE/
    expect(runs.cached?.stdout).toMatch(new RegExp(`CACHED|${fetchedFromCache.source}`))
  })

  it('no-cache runs the step again even with the cache given', () => {
    expect(random['no-cache']).toMatch(/^[0-9a-f-]{36}\n$/)
    expect(random['no-cache']).not.toBe(random.first)
  })
})
