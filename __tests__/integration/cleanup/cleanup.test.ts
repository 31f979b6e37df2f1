import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cleanupImage } from '../../../src/cleanup/index.js'
import { PackagesApi, packageOf } from '../../../src/packages/api.js'
import { packagesDeleter } from '../../../src/cleanup/packages-deleter.js'
import { registryDeleter } from '../../../src/cleanup/registry-deleter.js'
import type { ManifestDeleter } from '../../../src/cleanup/types.js'
import { pushLayout, RegistryClient, sha256Digest } from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { startPackagesStandIn, type PackagesStandIn } from '../../support/packages-api.js'
import { manifestExists, pushReferrer } from '../../support/referrers.js'
import { writeLayout } from '../../support/registry/oci-builder.js'

const env = testEnv()
const client = new RegistryClient({ backoff: { initialMs: 20, maxMs: 200 } })
const logger = { info: () => undefined, warning: () => undefined }

/** A two-platform index pushed and tagged, with a referrer on it; every digest it consists of. */
async function publish(image: string, tags: string[]): Promise<{ index: string; all: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), 'cleanup-layout-'))
  const layout = await writeLayout(dir, {
    platforms: [
      { os: 'linux', architecture: 'amd64', layers: [64] },
      { os: 'linux', architecture: 'arm64', layers: [64] }
    ]
  })
  const { digest } = await pushLayout(client, dir, image, { tags })
  const ref = await pushReferrer(image, { ...layout.root, digest }, `signature of ${digest}`)
  const all = [
    digest,
    ...layout.manifests.map(m => m.digest),
    ref.referrer,
    ...(ref.tagIndex ? [ref.tagIndex] : [])
  ]
  return { index: digest, all }
}

async function existing(image: string, digests: string[]): Promise<string[]> {
  const found = await Promise.all(digests.map(d => manifestExists(image, d)))
  return digests.filter((_, i) => found[i])
}

describe('cleanupImage against the real registry (registry API)', () => {
  it('a dry run lists what would go and deletes nothing', async () => {
    const image = `${env.registry}/${uniqueRepo('cleanup-dry')}`
    const v1 = await publish(image, ['c'])
    const v2 = await publish(image, ['c'])
    const repo = client.repository(image)
    const result = await cleanupImage({
      image,
      repo,
      before: [v1.index],
      keep: [v2.index],
      deleter: registryDeleter(repo),
      dryRun: true,
      logger
    })
    expect([...result.deleted].sort()).toEqual([...v1.all].sort())
    expect(await existing(image, v1.all)).toEqual(v1.all)
  })

  it('re-reads the tags before each delete: a manifest another job tagged meanwhile is kept', async () => {
    const image = `${env.registry}/${uniqueRepo('cleanup-race')}`
    const v1 = await publish(image, ['c'])
    const v2 = await publish(image, ['c'])
    const repo = client.repository(image)
    const inner = registryDeleter(repo)
    let raced = false
    // Another job tags v1 again right after this cleanup deleted its first manifest.
    const deleter: ManifestDeleter = {
      via: 'registry API',
      async delete(digest) {
        const outcome = await inner.delete(digest)
        if (!raced) {
          raced = true
          const survivor = v1.all.find(d => d !== digest && d !== v1.index) as string
          const got = await repo.getManifest(survivor)
          await repo.pushManifest('other-job', got.body, got.mediaType)
        }
        return outcome
      }
    }
    const result = await cleanupImage({
      image,
      repo,
      before: [v1.index],
      keep: [v2.index],
      deleter,
      dryRun: false,
      logger
    })
    expect(result.failure).toBeUndefined()
    expect(result.deleted[0]).toBe(v1.index)
    expect(result.skipped.length).toBeGreaterThan(0)
    expect(result.skipped.every(s => s.reason === 'a tag reaches it again')).toBe(true)
    expect(await existing(image, v2.all)).toEqual(v2.all)
  })
})

describe('cleanupImage through the GitHub Packages API (a stand-in backed by the real registry)', () => {
  let standIn: PackagesStandIn
  beforeAll(async () => {
    standIn = await startPackagesStandIn(env.registry)
  })
  afterAll(async () => standIn.close())

  it('finds versions past the first page (100 each), deletes v1 whole, keeps v2', async () => {
    // A package name with a slash: owner `test`, package `pkgs/<unique>`.
    const image = `${env.registry}/test/pkgs/${uniqueRepo('x').split('/')[1]}`
    const v1 = await publish(image, ['c'])
    const repo = client.repository(image)
    // 101 newer versions push v1's past the first page (newest first).
    const config = new TextEncoder().encode('{}')
    await repo.pushBlob(
      { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(config), size: 2 },
      { data: config }
    )
    for (let i = 0; i < 101; i++) {
      const body = new TextEncoder().encode(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256Digest(config), size: 2 },
          layers: [],
          annotations: { filler: String(i) }
        })
      )
      await repo.pushManifest(sha256Digest(body), body, 'application/vnd.oci.image.manifest.v1+json')
    }
    const v2 = await publish(image, ['c'])
    const pkg = packageOf(image)
    expect(pkg).toEqual({ owner: 'test', name: image.split('/').slice(2).join('/') })
    const deleter = packagesDeleter(new PackagesApi('a-token', standIn.url), pkg!, 'https://github.com')
    const result = await cleanupImage({
      image,
      repo,
      before: [v1.index],
      keep: [v2.index],
      deleter,
      dryRun: false,
      logger
    })
    expect(result.failure).toBeUndefined()
    expect([...result.deleted].sort()).toEqual([...v1.all].sort())
    expect(await existing(image, v1.all)).toEqual([])
    expect(await existing(image, v2.all)).toEqual(v2.all)
    const listed = standIn.requests.filter(r => r.method === 'GET' && r.path.endsWith('/versions'))
    expect(listed.some(r => r.query.includes('page=2') && r.query.includes('per_page=100'))).toBe(true)
    // The org endpoint answered 404 first; the name's slash went encoded.
    expect(standIn.requests.some(r => r.path.startsWith('/orgs/test/packages/container/pkgs%2F'))).toBe(true)
  })

  it('a 403 stops the cleanup with the fix, and deletes nothing', async () => {
    const image = `${env.registry}/test/${uniqueRepo('denied').split('/')[1]}`
    const v1 = await publish(image, ['c'])
    const v2 = await publish(image, ['c'])
    const repo = client.repository(image)
    standIn.forbidDeletes = true
    try {
      const deleter = packagesDeleter(
        new PackagesApi('a-token', standIn.url),
        packageOf(image)!,
        'https://github.com'
      )
      const result = await cleanupImage({
        image,
        repo,
        before: [v1.index],
        keep: [v2.index],
        deleter,
        dryRun: false,
        logger
      })
      expect(result.deleted).toEqual([])
      expect(result.failure).toMatch(/Admin role under "Manage Actions access"/)
      expect(result.failure).toMatch(/403/)
      expect(await existing(image, v1.all)).toEqual(v1.all)
    } finally {
      standIn.forbidDeletes = false
    }
  })
})
