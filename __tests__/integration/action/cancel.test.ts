import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { runAction } from '../../../scripts/run-action.mjs'
import { makeContext, rawManifest } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { FaultProxy } from '../../support/registry/fault-proxy.js'

/** The builds' temporary buildah images and manifest lists this run could leave behind. */
function buildahLeftovers(): string[] {
  const names = execFileSync('buildah', ['images', '--format', '{{.Name}}'], { encoding: 'utf8' })
  return names.split('\n').filter(name => name.includes('publish-image-build'))
}

/** The registry's own answer to a tags list: 404 NAME_UNKNOWN when nothing was ever tagged or pushed. */
async function tagsListAnswer(registry: string, repo: string): Promise<{ status: number; code?: string }> {
  const res = await fetch(`http://${registry}/v2/${repo}/tags/list`)
  const body = (await res.json()) as { errors?: { code: string }[] }
  return { status: res.status, code: body.errors?.[0]?.code }
}

/** A cancelled job: the runner sends SIGINT; the step must stop within 5 s and lose nothing. */
describe('dist/index.js: cancelled with SIGINT', () => {
  const env = testEnv()
  const proxy = new FaultProxy(env.registry)
  let context: string

  beforeAll(async () => {
    await proxy.start()
    context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN echo ${Date.now()} > /stamp\n` })
  }, 60000)
  afterAll(() => proxy.stop())

  const publish = (images: string[], interruptWhen: (stdout: string) => boolean) =>
    runAction({
      cwd: context,
      inputs: {
        registry: proxy.host,
        images: images.join('\n'),
        tags: 'type=raw,value=v1\ntype=raw,value=latest',
        builder: 'buildah'
      },
      interrupt: { when: interruptWhen }
    })

  it('mid-push: stops the uploads, writes no tag, leaves nothing behind', async () => {
    const repo = uniqueRepo('cancel-push')
    // Every upload hangs: the push is in flight when the signal comes.
    proxy.add({
      method: 'POST',
      path: /\/blobs\/uploads\/$/,
      times: Infinity,
      action: { kind: 'delay', ms: 30000 }
    })
    try {
      const run = await publish([`${proxy.host}/${repo}`], out => out.includes('::group::Push'))
      expect(run.exitCode).toBe(1)
      expect(run.stoppedAfterMs).toBeLessThan(5000)
      expect(run.stdout).toContain('SIGINT: the job is being cancelled')
      expect(run.stdout).toMatch(/::error::.*cancel/i)
      expect(await tagsListAnswer(env.registry, repo)).toEqual({ status: 404, code: 'NAME_UNKNOWN' })
      expect(run.leftovers).toEqual([])
      expect(buildahLeftovers()).toEqual([])
    } finally {
      proxy.clear()
    }
  })

  it('past push-timeout: stops the uploads with an error naming the input, writes no tag', async () => {
    const repo = uniqueRepo('push-timeout')
    proxy.add({
      method: 'POST',
      path: /\/blobs\/uploads\/$/,
      times: Infinity,
      action: { kind: 'delay', ms: 30000 }
    })
    try {
      const run = await runAction({
        cwd: context,
        inputs: {
          registry: proxy.host,
          images: `${proxy.host}/${repo}`,
          tags: 'type=raw,value=v1',
          builder: 'buildah',
          'push-timeout': '0.02'
        }
      })
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toMatch(/::error::.*the push \(push-timeout: 0\.02\) did not finish within 1\.2 s/)
      expect(await tagsListAnswer(env.registry, repo)).toEqual({ status: 404, code: 'NAME_UNKNOWN' })
      expect(run.leftovers).toEqual([])
    } finally {
      proxy.clear()
    }
  })

  it('between two images’ tag moves: puts every tag back where it was', async () => {
    const repos = [uniqueRepo('cancel-tags-a'), uniqueRepo('cancel-tags-b')]
    const images = repos.map(r => `${proxy.host}/${r}`)
    const first = await publish(images, () => false)
    expect(first.exitCode).toBe(0)
    const before = repos.map(r => rawManifest(`${env.registry}/${r}:latest`).body)
    context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN echo second > /stamp\n` })
    // The first image's second tag write is slow: the signal lands while it is in flight.
    proxy.add({
      method: 'PUT',
      path: new RegExp(`/v2/${repos[0]}/manifests/latest$`),
      action: { kind: 'delay', ms: 2000 }
    })
    try {
      const run = await publish(images, out => out.includes(`tagged ${images[0]}:v1`))
      expect(run.exitCode).toBe(1)
      expect(run.stoppedAfterMs).toBeLessThan(5000)
      expect(run.stdout).toMatch(/::error::.*cancelled before tagging/)
      for (const [i, repo] of repos.entries()) {
        for (const tag of ['v1', 'latest']) {
          expect([repo, tag, rawManifest(`${env.registry}/${repo}:${tag}`).body]).toEqual([
            repo,
            tag,
            before[i]
          ])
        }
      }
    } finally {
      proxy.clear()
    }
  })

  it('mid-build with buildx (its plugin run without docker in front): stops the build, writes nothing', async () => {
    const repo = uniqueRepo('cancel-buildx')
    const slow = await makeContext({
      Dockerfile: `FROM ${env.baseImage}\nRUN echo ${Date.now()} && sleep 60\n`
    })
    const run = await runAction({
      cwd: slow,
      env: { BUILDX_BUILDER: 'publish-image-testenv' },
      inputs: {
        registry: proxy.host,
        images: `${proxy.host}/${repo}`,
        tags: 'type=raw,value=v1',
        builder: 'buildx'
      },
      interrupt: { when: out => /^#\d+ \[2\/2\] RUN/m.test(out) }
    })
    expect(run.stdout).toMatch(/buildx: running the plugin \S+ itself/)
    expect(run.exitCode).toBe(1)
    expect(run.stoppedAfterMs).toBeLessThan(5000)
    expect(run.stdout).toMatch(/::error::.*cancel/i)
    expect(await tagsListAnswer(env.registry, repo)).toEqual({ status: 404, code: 'NAME_UNKNOWN' })
    expect(run.leftovers).toEqual([])
    // No buildx process of this run is left (its context directory is on its command line).
    const left = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
      .split('\n')
      .filter(line => line.includes('docker-buildx') && line.includes(slow))
    expect(left).toEqual([])
  })
})
