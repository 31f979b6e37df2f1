import { describe, expect, it } from '@jest/globals'
import { RegistryClient, sha256Digest } from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { pushReferrer } from '../../support/referrers.js'

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const EMPTY = 'application/vnd.oci.empty.v1+json'

describe('Repository.listTags, referrers, deleteManifest against the real registry', () => {
  const env = testEnv()
  const client = new RegistryClient({ backoff: { initialMs: 20, maxMs: 200 } })

  async function manifest(repo: ReturnType<RegistryClient['repository']>, note: string) {
    const config = new TextEncoder().encode('{}')
    await repo.pushBlob({ mediaType: EMPTY, digest: sha256Digest(config), size: 2 }, { data: config })
    const body = new TextEncoder().encode(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: EMPTY, digest: sha256Digest(config), size: 2 },
        layers: [],
        annotations: { note }
      })
    )
    return { body, digest: sha256Digest(body) }
  }

  it('lists every tag; an unknown repository has none (Distribution 2.8 does not page tags: see the unit test)', async () => {
    const repo = client.repository(`${env.registry}/${uniqueRepo('tags')}`)
    const m = await manifest(repo, 'tags')
    const tags = ['a', 'b', 'c', 'd', 'e']
    for (const tag of tags) await repo.pushManifest(tag, m.body, OCI_MANIFEST)
    expect((await repo.listTags()).sort()).toEqual(tags)
    expect(await client.repository(`${env.registry}/${uniqueRepo('none')}`).listTags()).toEqual([])
  })

  it('reads referrers through the sha256-<hex> tag when the API is missing; deletes by digest, twice is gone', async () => {
    const image = `${env.registry}/${uniqueRepo('referrers')}`
    const repo = client.repository(image)
    const m = await manifest(repo, 'subject')
    await repo.pushManifest('v1', m.body, OCI_MANIFEST)
    expect(await repo.referrers(m.digest)).toEqual({ descriptors: [] })
    const { referrer, tagIndex } = await pushReferrer(
      image,
      { digest: m.digest, mediaType: OCI_MANIFEST, size: m.body.length },
      'sig'
    )
    const found = await repo.referrers(m.digest)
    expect(found.descriptors.map(d => d.digest)).toEqual([referrer])
    expect(found.tagIndex).toBe(tagIndex)
    expect(await repo.deleteManifest(m.digest)).toBe('deleted')
    expect(await repo.deleteManifest(m.digest)).toBe('gone')
    expect(await repo.headManifest('v1')).toBeUndefined()
  })
})
