import { describe, expect, it } from '@jest/globals'
import { OCI_MANIFEST, serialize, type SerializedManifest } from '../../../src/publish/manifests.js'
import { moveTags } from '../../../src/publish/tags.js'
import type { Repository } from '../../../src/registry/index.js'

const manifest = (n: number) => serialize(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, n })

/** An in-memory repository whose manifest PUTs of the listed tags fail. */
function fakeRepo(path: string, tags: Record<string, SerializedManifest>, failing: string[] = []) {
  const byDigest = new Map(Object.values(tags).map(m => [m.digest, m]))
  const current = new Map(Object.entries(tags).map(([tag, m]) => [tag, m.digest]))
  const repo = {
    registry: 'registry.test',
    path,
    headManifest: async (ref: string) => {
      const digest = current.get(ref)
      return digest ? { mediaType: OCI_MANIFEST, digest, size: 1 } : undefined
    },
    getManifest: async (ref: string) => {
      const m = byDigest.get(ref)
      if (!m) throw new Error(`no ${ref}`)
      return { body: m.body, mediaType: m.mediaType, digest: m.digest }
    },
    pushManifest: async (ref: string, body: Uint8Array, mediaType: string) => {
      if (failing.includes(ref)) throw new Error(`PUT ${ref}: 500`)
      const m = serialize(mediaType, JSON.parse(Buffer.from(body).toString('utf8')))
      byDigest.set(m.digest, m)
      current.set(ref, m.digest)
      return { digest: m.digest }
    }
  }
  return { repo: repo as unknown as Repository, current }
}

const logger = { info: () => undefined }

describe('moveTags', () => {
  const old = manifest(1)
  const next = manifest(2)

  it('points every tag of every repository at the new manifest', async () => {
    const a = fakeRepo('a', { v1: old })
    const b = fakeRepo('b', {})
    await moveTags([a.repo, b.repo], ['v1', 'main'], next, logger)
    for (const r of [a, b]) expect([...r.current.values()]).toEqual([next.digest, next.digest])
  })

  it('puts the tags it moved back when a later tag write fails, and says so', async () => {
    const a = fakeRepo('a', { v1: old, main: old })
    const b = fakeRepo('b', { v1: old, main: old }, ['main'])
    await expect(moveTags([a.repo, b.repo], ['v1', 'main'], next, logger)).rejects.toThrow(
      'could not tag registry.test/b:main; restored registry.test/a:v1, registry.test/a:main, registry.test/b:v1 to their previous digests'
    )
    for (const r of [a, b]) expect([...r.current.values()]).toEqual([old.digest, old.digest])
  })

  it('names the new tags it cannot take back', async () => {
    const a = fakeRepo('a', { v1: old }, ['v2'])
    await expect(moveTags([a.repo], ['v1', 'fresh', 'v2'], next, logger)).rejects.toThrow(
      /restored registry\.test\/a:v1 .*; left on the new image: registry\.test\/a:fresh \(it did not exist before/
    )
    expect(a.current.get('v1')).toBe(old.digest)
  })

  it('says no tag was moved when the first write fails', async () => {
    const a = fakeRepo('a', { v1: old }, ['v1'])
    await expect(moveTags([a.repo], ['v1'], next, logger)).rejects.toThrow(/a:v1; no tag was moved$/)
  })
})
