import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { imageConfig, makeContext, pullImage, rawManifest, sha256 } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { FaultProxy } from '../../support/registry/fault-proxy.js'

describe('dist/index.js publishes two images in one registry', () => {
  const env = testEnv()
  const repos = [uniqueRepo('e2e-first'), uniqueRepo('e2e-second')] as const
  // The action talks to the registry through a recording proxy (no faults); skopeo reads it directly.
  const proxy = new FaultProxy(env.registry)
  let run: ActionRun

  beforeAll(async () => {
    await proxy.start()
    const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN echo two > /two.txt\n` })
    run = await runAction({
      cwd: context,
      inputs: {
        registry: proxy.host,
        images: repos.map(r => `${proxy.host}/${r}`).join('\n'),
        tags: 'type=raw,value=both\ntype=ref,event=branch',
        builder: 'buildah',
        password: ''
      }
    })
  }, 300000)
  afterAll(() => proxy.stop())

  it('succeeds', () => {
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(run.post?.exitCode).toBe(0)
  })

  it('tags both images, every tag resolving to the one digest output', () => {
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    for (const repo of repos) {
      for (const tag of ['both', 'main']) {
        expect(sha256(rawManifest(`${env.registry}/${repo}:${tag}`).body)).toBe(run.outputs.digest)
      }
    }
    expect(run.outputs.refs?.split('\n')).toEqual(repos.map(r => `${proxy.host}/${r}@${run.outputs.digest}`))
    expect(run.outputs.tags?.split('\n')).toHaveLength(4)
  })

  it('gives the second image its blobs by cross-repository mount from the first', () => {
    const second = `/v2/${repos[1]}/blobs/uploads/`
    const mounts = proxy.log.filter(
      e => e.method === 'POST' && e.path === second && e.query.includes('mount=')
    )
    const blobsOf = (digest: string) => {
      const manifest = rawManifest(`${env.registry}/${repos[1]}@${digest}`).json
      return [manifest.config?.digest, ...(manifest.layers ?? []).map(l => l.digest)]
    }
    // the image's blobs, and those of its provenance referrer (the empty config, the statement)
    const referrers = Object.values(
      JSON.parse(run.outputs['attestation-digests'] ?? '{}') as Record<string, string>
    )
    expect(referrers).toHaveLength(1)
    const digests = [...new Set([...blobsOf(String(run.outputs.digest)), ...referrers.flatMap(blobsOf)])]
    expect(mounts.map(m => new URLSearchParams(m.query).get('mount')).sort()).toEqual(digests.sort())
    for (const m of mounts) {
      expect(new URLSearchParams(m.query).get('from')).toBe(repos[0])
      expect(m.status).toBe(201)
    }
    // no byte of a blob was uploaded to the second repository
    const uploads = proxy.log.filter(
      e => e.path.startsWith(second) && (e.method === 'PATCH' || e.method === 'PUT')
    )
    expect(uploads).toEqual([])
  })

  it('leaves the second image complete: skopeo reads its config and every layer', async () => {
    const ref = `${env.registry}/${repos[1]}@${run.outputs.digest}`
    expect(imageConfig(ref).architecture).toBe('amd64')
    const pulled = await pullImage(ref)
    expect(pulled.layers.length).toBeGreaterThan(0)
  })
})
