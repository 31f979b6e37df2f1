import { beforeAll, describe, expect, it } from '@jest/globals'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { listTags, makeContext, OCI_INDEX, pullImage, rawManifest, type Manifest } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { manifestExists, pushReferrer } from '../../support/referrers.js'

const PLATFORMS = 'linux/amd64,linux/arm64'

/** One published version: its index, platform manifests, and the referrers written for it. */
interface Version {
  run: ActionRun
  index: string
  children: string[]
  referrers: string[]
}

describe('dist/index.js cleanup: deletes what moved tags left unreachable, nothing else', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-cleanup')}`
  const versions: Version[] = []

  /** Builds `n` (a COPY only: no emulation), tags it, and writes a referrer to its index and first child. */
  async function publish(n: number, tags: string[], cleanup: string): Promise<Version> {
    const context = await makeContext({
      Dockerfile: `FROM ${env.baseImage}\nCOPY version.txt /version.txt\n`,
      'version.txt': `version ${n} ${image}\n`
    })
    const run = await runAction({
      cwd: context,
      inputs: {
        // provenance referrers (and their sha256-* tags) are tested in attestations tests
        provenance: 'false',
        registry: env.registry,
        images: image,
        tags: tags.map(t => `type=raw,value=${t}`).join('\n'),
        platforms: PLATFORMS,
        builder: 'buildah',
        cleanup,
        password: ''
      }
    })
    if (run.exitCode !== 0) throw new Error(`v${n} failed:\n${run.stdout}\n${run.stderr}`)
    const index = run.outputs.digest ?? ''
    const body = rawManifest(`${image}@${index}`)
    const children = (body.json.manifests ?? []).map(m => m.digest)
    const first = (body.json.manifests ?? [])[0]
    if (!first) throw new Error('no platform manifest')
    const onIndex = await pushReferrer(
      image,
      { digest: index, mediaType: OCI_INDEX, size: body.body.length },
      `v${n}`
    )
    const onChild = await pushReferrer(image, first, `v${n} ${first.digest}`)
    const referrers = [onIndex, onChild].flatMap(r => [r.referrer, ...(r.tagIndex ? [r.tagIndex] : [])])
    return { run, index, children, referrers }
  }

  const everything = (v: Version) => [v.index, ...v.children, ...v.referrers]

  beforeAll(async () => {
    versions.push(await publish(1, ['c', 'keep'], 'false'))
    versions.push(await publish(2, ['c'], 'true'))
    versions.push(await publish(3, ['c', 'keep'], 'true'))
    versions.push(await publish(4, ['c', 'keep'], 'dry-run'))
  }, 600000)

  it('v2 moves only c: keep still names v1, so nothing is deleted', () => {
    const [, v2] = versions
    expect(v2?.run.outputs.deleted).toBe('')
    expect(v2?.run.summary).toContain('Nothing left unreachable by this run.')
  })

  it('v3 moves c and keep: v1 and v2 are gone, indexes, platform manifests, referrers and their tags', async () => {
    const [v1, v2, v3] = versions as [Version, Version, Version]
    const gone = [...everything(v1), ...everything(v2)]
    expect(gone).toHaveLength(2 * (1 + 2 + 4))
    for (const digest of gone) expect(await manifestExists(image, digest)).toBe(false)
    const deleted = (v3.run.outputs.deleted ?? '').split('\n').sort()
    expect(deleted).toEqual(gone.map(d => `${image}@${d}`).sort())
    // c, keep and the referrers tags of v3 and v4 (v4's dry run deleted nothing).
    expect(listTags(image)).toEqual(expect.arrayContaining(['c', 'keep']))
    expect(listTags(image)).toHaveLength(2 + 2 + 2)
    expect(v3.run.summary).toContain('**Cleanup**')
    for (const digest of gone) expect(v3.run.summary).toContain(digest)
  })

  it('v4 with cleanup: dry-run lists v3 whole as what it would delete, and deletes nothing', async () => {
    const [, , v3, v4] = versions as [Version, Version, Version, Version]
    const planned = (v4.run.outputs.deleted ?? '').split('\n').sort()
    expect(planned).toEqual(
      everything(v3)
        .map(d => `${image}@${d}`)
        .sort()
    )
    expect(v4.run.summary).toContain('**Cleanup (dry run)**')
    expect(v4.run.summary).toContain('would delete')
    for (const digest of everything(v3)) expect(await manifestExists(image, digest)).toBe(true)
  })

  it('v3 is whole: its index, platform manifests and referrers are there, and pulls by digest work', async () => {
    const v3 = versions[2] as Version
    for (const digest of everything(v3)) expect(await manifestExists(image, digest)).toBe(true)
    const index = rawManifest(`${image}@${v3.index}`).json as Manifest
    expect(index.manifests?.map(m => m.digest)).toEqual(v3.children)
    for (const child of v3.children) {
      const pulled = await pullImage(`${image}@${child}`)
      expect(pulled.layers.length).toBeGreaterThan(0)
    }
  })
})

describe('dist/index.js cleanup: inputs that cannot work fail before anything is built', () => {
  const env = testEnv()
  it.each([
    [{ push: 'false' }, /cleanup.*push: false/],
    [{ 'push-by-digest': 'true' }, /cleanup.*push-by-digest/]
  ])('%j with cleanup: true is an input error', async (inputs, message) => {
    const run = await runAction({
      inputs: { registry: env.registry, images: `${env.registry}/test/never`, cleanup: 'true', ...inputs },
      post: false
    })
    expect(run.exitCode).not.toBe(0)
    expect(run.stdout).toMatch(message)
    expect(run.stdout).not.toMatch(/Build \(/)
  })

  it('an unknown cleanup value names the choices', async () => {
    const run = await runAction({ inputs: { registry: env.registry, cleanup: 'yes' }, post: false })
    expect(run.exitCode).not.toBe(0)
    expect(run.stdout).toMatch(/cleanup.*not one of false, true, dry-run/)
  })
})
