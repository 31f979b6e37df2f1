import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import {
  annotationsAt,
  imageConfig,
  keyValues,
  listTags,
  makeContext,
  OCI_INDEX,
  OCI_MANIFEST,
  rawManifest,
  sha256
} from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { FaultProxy, type ProxyLogEntry } from '../../support/registry/fault-proxy.js'

const GHCR_KEYS = [
  'org.opencontainers.image.source',
  'org.opencontainers.image.description',
  'org.opencontainers.image.licenses'
]
const DESCRIBED = { description: 'Built on two runners', licenses: 'MIT', password: '' }

/** The proxy's log entries recorded while `task` ran. */
async function during<T>(proxy: FaultProxy, task: () => Promise<T>): Promise<[T, ProxyLogEntry[]]> {
  const from = proxy.log.length
  const result = await task()
  return [result, proxy.log.slice(from)]
}

/** What a run wrote, but the preflight's upload session (POST …/blobs/uploads/, then its DELETE). */
const writes = (log: ProxyLogEntry[]) =>
  log.filter(e => {
    if (!['PUT', 'POST', 'PATCH', 'DELETE'].includes(e.method)) return false
    const preflight =
      (e.method === 'POST' && e.path.endsWith('/blobs/uploads/') && e.query === '') ||
      (e.method === 'DELETE' && e.path.includes('/blobs/uploads/'))
    return !preflight
  })

// The action talks to the registry through a recording proxy (no faults); skopeo reads it directly.
describe('dist/index.js: two legs push by digest, a merge job tags one index', () => {
  const env = testEnv()
  const proxy = new FaultProxy(env.registry)
  const repos = [uniqueRepo('e2e-legs'), uniqueRepo('e2e-merge-only')] as const
  const via = (repo: string) => `${proxy.host}/${repo}`
  const direct = (repo: string) => `${env.registry}/${repo}`
  const legs: Record<'amd64' | 'arm64', { run: ActionRun; log: ProxyLogEntry[] }> = {} as never
  let tagsAfterLegs: string[] | 'NAME_UNKNOWN' | undefined
  let merge: ActionRun
  let mergeLog: ProxyLogEntry[]

  beforeAll(async () => {
    await proxy.start()
    // COPY only: the arm64 leg runs nothing under emulation.
    const context = await makeContext({
      Dockerfile: `FROM ${env.baseImage}\nCOPY leg.txt /leg.txt\n`,
      'leg.txt': 'one leg per runner\n'
    })
    for (const arch of ['amd64', 'arm64'] as const) {
      const [run, log] = await during(proxy, () =>
        runAction({
          cwd: context,
          inputs: {
            // provenance referrers (and their sha256-* tags) are tested in attestations tests
            provenance: 'false',
            ...DESCRIBED,
            registry: proxy.host,
            images: via(repos[0]),
            tags: 'type=raw,value=v1',
            platforms: `linux/${arch}`,
            builder: 'buildah',
            'push-by-digest': 'true'
          }
        })
      )
      legs[arch] = { run, log }
    }
    tagsAfterLegs = listTags(direct(repos[0]))
    ;[merge, mergeLog] = await during(proxy, () =>
      runAction({
        cwd: context,
        inputs: {
          // provenance referrers (and their sha256-* tags) are tested in attestations tests
          provenance: 'false',
          ...DESCRIBED,
          registry: proxy.host,
          images: repos.map(via).join('\n'),
          tags: 'type=raw,value=v1',
          merge: 'true',
          digests: `${legs.amd64.run.outputs.digest}\nlinux/arm64=${legs.arm64.run.outputs.digest}`
        }
      })
    )
  }, 600000)
  afterAll(() => proxy.stop())

  it('runs both legs and the merge without error', () => {
    for (const run of [legs.amd64.run, legs.arm64.run, merge]) {
      expect(run.stdout).not.toMatch(/::error/)
      expect(run.exitCode).toBe(0)
      expect(run.post?.exitCode).toBe(0)
      expect(run.leftovers).toEqual([])
    }
    expect(legs.amd64.run.stdout).toMatch(/Pushing by digest only: no tags, no index/)
    expect(merge.stdout).not.toMatch(/::group::Build/)
  })

  it('legs write no tag: each pushes one platform manifest, by its digest only', () => {
    // Distribution answers 404 NAME_UNKNOWN to tags/list of a repository without tags
    expect(tagsAfterLegs).toBe('NAME_UNKNOWN')
    for (const arch of ['amd64', 'arm64'] as const) {
      const { run, log } = legs[arch]
      const digest = run.outputs.digest ?? ''
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(JSON.parse(run.outputs['platform-digests'] ?? '{}')).toEqual({ [`linux/${arch}`]: digest })
      expect(run.outputs.refs).toBe(`${via(repos[0])}@${digest}`)
      const manifestPuts = log.filter(e => e.method === 'PUT' && e.path.includes('/manifests/'))
      expect(manifestPuts.map(e => e.path)).toEqual([`/v2/${repos[0]}/manifests/${digest}`])
      const manifest = rawManifest(`${direct(repos[0])}@${digest}`)
      expect(sha256(manifest.body)).toBe(digest)
      expect(manifest.json.mediaType).toBe(OCI_MANIFEST)
      expect(imageConfig(`${direct(repos[0])}@${digest}`).architecture).toBe(arch)
    }
  })

  it('legs carry the same manifest annotations and config labels as a normal run', () => {
    for (const arch of ['amd64', 'arm64'] as const) {
      const { run } = legs[arch]
      const ref = `${direct(repos[0])}@${run.outputs.digest}`
      const expected = annotationsAt(run.outputs.annotations, 'manifest')
      for (const key of GHCR_KEYS) expect(expected[key]).toBeTruthy()
      expect(rawManifest(ref).json.annotations).toMatchObject(expected)
      const labels = keyValues(run.outputs.labels)
      expect(labels['org.opencontainers.image.description']).toBe('Built on two runners')
      expect(imageConfig(ref).config?.Labels).toMatchObject(labels)
    }
  })

  it('merge tags, in both images, one OCI index of both legs with the index annotations', () => {
    const digest = merge.outputs.digest ?? ''
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    for (const repo of repos) {
      const index = rawManifest(`${direct(repo)}:v1`)
      expect(sha256(index.body)).toBe(digest)
      expect(index.json.mediaType).toBe(OCI_INDEX)
      const children = Object.fromEntries(
        (index.json.manifests ?? []).map(c => [`${c.platform?.os}/${c.platform?.architecture}`, c.digest])
      )
      expect(children).toEqual({
        'linux/amd64': legs.amd64.run.outputs.digest,
        'linux/arm64': legs.arm64.run.outputs.digest
      })
      const annotations = index.json.annotations ?? {}
      expect(annotations['org.opencontainers.image.description']).toBe('Built on two runners')
      expect(annotations['org.opencontainers.image.licenses']).toBe('MIT')
      expect(annotations['org.opencontainers.image.source']).toBe('https://github.com/octo-org/hello-world')
      expect(annotations).toMatchObject(annotationsAt(merge.outputs.annotations, 'index'))
      expect(listTags(direct(repo))).toEqual(['v1'])
    }
  })

  it('outputs platform-digests, refs, tags and the first platform’s imageid', () => {
    expect(JSON.parse(merge.outputs['platform-digests'] ?? '{}')).toEqual({
      'linux/amd64': legs.amd64.run.outputs.digest,
      'linux/arm64': legs.arm64.run.outputs.digest
    })
    expect(merge.outputs.refs?.split('\n')).toEqual(repos.map(r => `${via(r)}@${merge.outputs.digest}`))
    expect(merge.outputs.tags?.split('\n')).toEqual(repos.map(r => `${via(r)}:v1`))
    expect(merge.outputs.imageid).toBe(legs.amd64.run.outputs.imageid)
    expect(merge.summary).toContain(`docker pull ${via(repos[0])}@${merge.outputs.digest}`)
  })

  it('gives the image that never saw the legs their blobs by cross-repository mount', () => {
    const uploads = `/v2/${repos[1]}/blobs/uploads/`
    const mounts = mergeLog.filter(
      e => e.method === 'POST' && e.path === uploads && e.query.includes('mount=')
    )
    const blobs = new Set<string>()
    for (const arch of ['amd64', 'arm64'] as const) {
      const ref = `${direct(repos[1])}@${legs[arch].run.outputs.digest}`
      const m = rawManifest(ref).json
      for (const d of [m.config, ...(m.layers ?? [])]) if (d) blobs.add(d.digest)
      expect(imageConfig(ref).architecture).toBe(arch)
    }
    const mounted = new Set(mounts.map(m => new URLSearchParams(m.query).get('mount')))
    // the base layer both legs share is mounted once
    expect([...mounted].sort()).toEqual([...blobs].sort())
    for (const m of mounts) {
      expect(new URLSearchParams(m.query).get('from')).toBe(repos[0])
      expect(m.status).toBe(201)
    }
    const bytes = mergeLog.filter(e => e.path.startsWith(uploads) && ['PATCH', 'PUT'].includes(e.method))
    expect(bytes).toEqual([])
    // nothing was written to the legs' image but the index and the tag
    const first = writes(mergeLog).filter(e => e.path.startsWith(`/v2/${repos[0]}/`))
    expect(first.map(e => `${e.method} ${e.path}`)).toEqual([
      `PUT /v2/${repos[0]}/manifests/${merge.outputs.digest}`,
      `PUT /v2/${repos[0]}/manifests/v1`
    ])
  })

  describe('refuses a bad merge before writing anything', () => {
    const errRepo = uniqueRepo('e2e-merge-errors')
    let base: { index: string; amd64: string }

    beforeAll(() => {
      // the test base image (an amd64 + arm64 index), copied as it is into a third repository
      execFileSync('skopeo', [
        'copy',
        '--quiet',
        '--all',
        '--preserve-digests',
        '--src-tls-verify=false',
        '--dest-tls-verify=false',
        `docker://${env.baseImage}`,
        `docker://${direct(errRepo)}:base`
      ])
      const index = rawManifest(`${direct(errRepo)}:base`)
      const amd64 = index.json.manifests?.find(m => m.platform?.architecture === 'amd64')?.digest ?? ''
      base = { index: sha256(index.body), amd64 }
    })

    const cases: [string, () => string, RegExp][] = [
      [
        'a digest that is in none of the images',
        () => `${legs.amd64.run.outputs.digest}\nsha256:${'0'.repeat(64)}`,
        /::error::input 'digests': sha256:0{64} is in none of the images \(.*e2e-merge-errors.*e2e-legs.*\); push it/
      ],
      [
        'two images of the same platform',
        () => `${legs.amd64.run.outputs.digest}\n${base.amd64}`,
        /::error::input 'digests': more than one image for the same platform: linux\/amd64 \(sha256:/
      ],
      [
        'the digest of an index',
        () => `${legs.arm64.run.outputs.digest}\n${base.index}`,
        /::error::input 'digests': sha256:[0-9a-f]{64} is a application\/vnd\.(oci\.image\.index|docker\.distribution\.manifest\.list)[^,]*, not an image manifest/
      ],
      [
        'a platform that is not the image’s',
        () => `linux/arm64=${legs.amd64.run.outputs.digest}\n${legs.arm64.run.outputs.digest}`,
        /::error::input 'digests': sha256:[0-9a-f]{64} was listed as linux\/arm64, but its image config says linux\/amd64/
      ]
    ]
    it.each(cases)(
      '%s: exit 1, a clear error, no tag',
      async (_name, digests, message) => {
        const [run, log] = await during(proxy, () =>
          runAction({
            inputs: {
              // provenance referrers (and their sha256-* tags) are tested in attestations tests
              provenance: 'false',
              ...DESCRIBED,
              registry: proxy.host,
              images: `${via(errRepo)}\n${via(repos[0])}`,
              tags: 'type=raw,value=never',
              merge: 'true',
              digests: digests()
            }
          })
        )
        expect(run.exitCode).toBe(1)
        expect(run.stdout).toMatch(message)
        expect(run.outputs.digest ?? '').toBe('')
        // the preflight's upload sessions are the only writes (started, then cancelled)
        expect(writes(log)).toEqual([])
        expect(listTags(direct(errRepo))).toEqual(['base'])
        expect(listTags(direct(repos[0]))).not.toContain('never')
        expect(run.post?.exitCode).toBe(0)
      },
      120000
    )
  })
})

describe('dist/index.js: one leg of two platforms, by digest', () => {
  const env = testEnv()
  const proxy = new FaultProxy(env.registry)
  const repo = uniqueRepo('e2e-leg-two')
  let run: ActionRun
  let log: ProxyLogEntry[]

  beforeAll(async () => {
    await proxy.start()
    const context = await makeContext({
      Dockerfile: `FROM ${env.baseImage}\nCOPY leg.txt /leg.txt\n`,
      'leg.txt': 'two platforms, one runner\n'
    })
    ;[run, log] = await during(proxy, () =>
      runAction({
        cwd: context,
        inputs: {
          // provenance referrers (and their sha256-* tags) are tested in attestations tests
          provenance: 'false',
          ...DESCRIBED,
          registry: proxy.host,
          images: `${proxy.host}/${repo}`,
          platforms: 'linux/amd64,linux/arm64',
          builder: 'buildah',
          'push-by-digest': 'true'
        }
      })
    )
  }, 300000)
  afterAll(() => proxy.stop())

  it('pushes each platform manifest by digest, no index, no tag; digest is empty', () => {
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.digest).toBe('')
    const platforms = JSON.parse(run.outputs['platform-digests'] ?? '{}') as Record<string, string>
    expect(Object.keys(platforms).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    const manifestPuts = log.filter(e => e.method === 'PUT' && e.path.includes('/manifests/'))
    expect(manifestPuts.map(e => e.path).sort()).toEqual(
      Object.values(platforms)
        .map(d => `/v2/${repo}/manifests/${d}`)
        .sort()
    )
    for (const [platform, digest] of Object.entries(platforms)) {
      const ref = `${env.registry}/${repo}@${digest}`
      expect(rawManifest(ref).json.mediaType).toBe(OCI_MANIFEST)
      expect(`linux/${imageConfig(ref).architecture}`).toBe(platform)
    }
    expect(run.outputs.refs?.split('\n').sort()).toEqual(
      Object.values(platforms)
        .map(d => `${proxy.host}/${repo}@${d}`)
        .sort()
    )
    expect(listTags(`${env.registry}/${repo}`)).toBe('NAME_UNKNOWN')
  })
})
