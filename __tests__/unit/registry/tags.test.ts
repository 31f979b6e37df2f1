import { describe, expect, it } from '@jest/globals'
import { serialize, type SerializedManifest } from '../../../src/publish/manifests.js'
import { moveTags } from '../../../src/registry/tags.js'
import { OCI_MANIFEST, RegistryError, type Repository } from '../../../src/registry/index.js'

const manifest = (n: number) => serialize(OCI_MANIFEST, { schemaVersion: 2, mediaType: OCI_MANIFEST, n })

interface FakeOptions {
  /** Tags whose PUT fails with this error after (`landed`) or without writing. */
  fail?: { tag: string; error: Error; landed?: boolean }
  /** Runs after every successful tag write (another job, a cancel…). */
  afterPush?: (ref: string, current: Map<string, string>) => void
}

const refusal = (status: number) =>
  new RegistryError({
    method: 'PUT',
    url: new URL('https://registry.test/v2/x'),
    status,
    message: `${status}`
  })

/** An in-memory repository whose manifest PUTs of the listed tags fail. */
function fakeRepo(
  path: string,
  tags: Record<string, SerializedManifest>,
  failing: string[] = [],
  opts: FakeOptions = {}
) {
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
      const fail = opts.fail?.tag === ref ? opts.fail : undefined
      if (fail) opts.fail = undefined // fails once
      if (fail && !fail.landed) throw fail.error
      byDigest.set(m.digest, m)
      current.set(ref, m.digest)
      if (fail) throw fail.error
      opts.afterPush?.(ref, current)
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

  it('leaves alone a tag another job moved since this run wrote it', async () => {
    const theirs = manifest(3)
    const a = fakeRepo('a', { v1: old, main: old, [theirs.digest]: theirs }, ['main'], {
      afterPush: (ref, current) => {
        if (ref === 'v1') current.set('v1', theirs.digest)
      }
    })
    await expect(moveTags([a.repo], ['v1', 'main'], next, logger)).rejects.toThrow(
      /moved by someone else meanwhile, left alone: registry\.test\/a:v1/
    )
    expect(a.current.get('v1')).toBe(theirs.digest)
  })

  it('does not put back a tag whose write the registry refused (4xx)', async () => {
    const a = fakeRepo('a', { v1: old }, [], { fail: { tag: 'v1', error: refusal(400) } })
    const heads: string[] = []
    const head = a.repo.headManifest.bind(a.repo)
    a.repo.headManifest = async ref => {
      heads.push(ref)
      return head(ref)
    }
    await expect(moveTags([a.repo], ['v1'], next, logger)).rejects.toThrow(/a:v1; no tag was moved$/)
    expect(heads).toEqual(['v1'])
  })

  it('puts back a tag whose write landed although its answer was lost (5xx)', async () => {
    const a = fakeRepo('a', { v1: old }, [], { fail: { tag: 'v1', error: refusal(502), landed: true } })
    await expect(moveTags([a.repo], ['v1'], next, logger)).rejects.toThrow(
      /a:v1; restored registry\.test\/a:v1 to their previous digests/
    )
    expect(a.current.get('v1')).toBe(old.digest)
  })

  it('writes no tag once cancelled and puts back those already moved', async () => {
    const cancel = new AbortController()
    const a = fakeRepo('a', { v1: old, main: old }, [], { afterPush: () => cancel.abort() })
    const b = fakeRepo('b', { v1: old })
    await expect(moveTags([a.repo, b.repo], ['v1', 'main'], next, logger, cancel.signal)).rejects.toThrow(
      'cancelled before tagging registry.test/a:main; restored registry.test/a:v1 to their previous digests'
    )
    expect([...a.current.values()]).toEqual([old.digest, old.digest])
    expect(b.current.get('v1')).toBe(old.digest)
  })
})
