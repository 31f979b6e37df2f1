import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  RegistryClient,
  addToReferrersTag,
  pushReferrer,
  referrerManifest,
  referrersTag,
  sha256Digest,
  type Descriptor,
  type Repository
} from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { FaultProxy } from '../../support/registry/fault-proxy.js'

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const EMPTY = 'application/vnd.oci.empty.v1+json'
const IN_TOTO = 'application/vnd.in-toto+json'

const newClient = () => new RegistryClient({ backoff: { initialMs: 20, maxMs: 200 } })
const text = (s: string) => new TextEncoder().encode(s)

/** An image-like manifest to hang referrers on. */
async function subjectIn(repo: Repository, note: string): Promise<Descriptor> {
  const config = text('{}')
  await repo.pushBlob({ mediaType: EMPTY, digest: sha256Digest(config), size: 2 }, { data: config })
  const body = text(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: EMPTY, digest: sha256Digest(config), size: 2 },
      layers: [],
      annotations: { note }
    })
  )
  await repo.pushManifest(sha256Digest(body), body, OCI_MANIFEST)
  return { mediaType: OCI_MANIFEST, digest: sha256Digest(body), size: body.length }
}

function statement(subject: Descriptor, note: string): Uint8Array {
  return text(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: 'x', digest: { sha256: subject.digest.slice(7) } }],
      predicateType: 'https://example.test/' + note,
      predicate: {}
    })
  )
}

async function store(repo: Repository, subject: Descriptor, note: string, opts = {}) {
  const content = statement(subject, note)
  const made = referrerManifest(subject, { mediaType: IN_TOTO, content })
  return pushReferrer(repo, subject, made, content, { settleMs: 20, ...opts })
}

async function tagIndex(repo: Repository, subject: Descriptor): Promise<Descriptor[]> {
  const got = await repo.getManifest(referrersTag(subject.digest))
  return (JSON.parse(got.body.toString()) as { manifests: Descriptor[] }).manifests
}

describe('OCI 1.1 referrers against Distribution (no referrers API: the sha256-<hex> tag fallback)', () => {
  const env = testEnv()

  it('stores the artifact by digest with its subject, and lists it in the fallback tag index', async () => {
    const repo = newClient().repository(`${env.registry}/${uniqueRepo('referrer')}`)
    const subject = await subjectIn(repo, 'one')
    const content = statement(subject, 'one')
    const made = referrerManifest(subject, { mediaType: IN_TOTO, content })
    const pushed = await pushReferrer(repo, subject, made, content, { settleMs: 20 })
    expect(pushed.via).toBe('tag')
    const stored = await repo.getManifest(made.desc.digest)
    const manifest = JSON.parse(stored.body.toString()) as { subject: Descriptor; layers: Descriptor[] }
    expect(manifest.subject).toEqual(subject)
    const layer = manifest.layers[0]
    if (!layer) throw new Error('no layer')
    expect(Buffer.from(await repo.getBlob(layer.digest)).equals(Buffer.from(content))).toBe(true)
    expect(await tagIndex(repo, subject)).toEqual([made.desc])
    const read = await repo.referrers(subject.digest)
    expect(read.descriptors).toEqual([made.desc])
    expect(read.tagIndex).toBe(pushed.tagIndex)
    // Once more: already listed, the tag is not rewritten.
    expect((await pushReferrer(repo, subject, made, content)).tagIndex).toBe(pushed.tagIndex)
  })

  it('N jobs adding referrers to one subject at once: every one ends up listed', async () => {
    const name = `${env.registry}/${uniqueRepo('race')}`
    const subject = await subjectIn(newClient().repository(name), 'race')
    const writers = Array.from({ length: 8 }, (_, i) => i)
    // One client per writer: separate jobs share nothing but the registry.
    const pushed = await Promise.all(
      writers.map(i => store(newClient().repository(name), subject, `w${i}`, { maxAttempts: 30 }))
    )
    const listed = (await tagIndex(newClient().repository(name), subject)).map(d => d.digest).sort()
    expect(listed).toEqual(pushed.map(p => p.desc.digest).sort())
  })

  it('a write that finds the tag changed since its read merges again (compare-and-swap)', async () => {
    const name = `${env.registry}/${uniqueRepo('cas')}`
    const repo = newClient().repository(name)
    const subject = await subjectIn(repo, 'cas')
    let other: Descriptor | undefined
    const ours = await store(repo, subject, 'ours', {
      // Between our read and our write, another job adds its referrer.
      beforeWrite: async (attempt: number) => {
        if (attempt === 1) other = (await store(newClient().repository(name), subject, 'theirs')).desc
      }
    })
    const listed = (await tagIndex(repo, subject)).map(d => d.digest)
    expect(listed.sort()).toEqual([ours.desc.digest, other?.digest].sort())
  })

  it('a read-back that no longer lists our entry (a writer without compare-and-swap overwrote it) merges again', async () => {
    const name = `${env.registry}/${uniqueRepo('overwrite')}`
    const repo = newClient().repository(name)
    const subject = await subjectIn(repo, 'overwrite')
    const first = await store(repo, subject, 'first')
    const stale = (await repo.getManifest(referrersTag(subject.digest))).body
    const content = statement(subject, 'second')
    const made = referrerManifest(subject, { mediaType: IN_TOTO, content })
    await repo.pushBlob(
      { mediaType: IN_TOTO, digest: made.layer.digest, size: made.layer.size },
      { data: content }
    )
    await repo.pushManifest(made.desc.digest, made.body, OCI_MANIFEST)
    let overwritten = false
    const tagDigest = await addToReferrersTag(repo, subject.digest, made.desc, {
      settleMs: 10,
      // Right after our write, a blind writer puts back the index it read before (our entry gone).
      wait: async () => {
        if (overwritten) return
        overwritten = true
        await newClient().repository(name).pushManifest(referrersTag(subject.digest), stale, OCI_INDEX)
      }
    })
    expect(overwritten).toBe(true)
    const listed = (await tagIndex(repo, subject)).map(d => d.digest)
    expect(listed).toEqual([first.desc.digest, made.desc.digest])
    expect(tagDigest).toBe((await repo.headManifest(referrersTag(subject.digest)))?.digest)
  })

  it('a racing write that lands after the first read-back (it read before ours) is caught by the second', async () => {
    const name = `${env.registry}/${uniqueRepo('late-write')}`
    const repo = newClient().repository(name)
    const subject = await subjectIn(repo, 'late-write')
    const first = await store(repo, subject, 'first')
    const stale = (await repo.getManifest(referrersTag(subject.digest))).body
    const content = statement(subject, 'second')
    const made = referrerManifest(subject, { mediaType: IN_TOTO, content })
    await repo.pushBlob(
      { mediaType: IN_TOTO, digest: made.layer.digest, size: made.layer.size },
      { data: content }
    )
    await repo.pushManifest(made.desc.digest, made.body, OCI_MANIFEST)
    let pauses = 0
    await addToReferrersTag(repo, subject.digest, made.desc, {
      settleMs: 10,
      // Pause 1: after our write; pause 2: after the first read-back listed us. Then the slow writer lands.
      wait: async () => {
        if (++pauses !== 2) return
        await newClient().repository(name).pushManifest(referrersTag(subject.digest), stale, OCI_INDEX)
      }
    })
    expect(pauses).toBeGreaterThan(2)
    expect((await tagIndex(repo, subject)).map(d => d.digest)).toEqual([first.desc.digest, made.desc.digest])
  })

  it('gives up after maxAttempts with a message that names the tag and the fix', async () => {
    const name = `${env.registry}/${uniqueRepo('give-up')}`
    const repo = newClient().repository(name)
    const subject = await subjectIn(repo, 'give-up')
    let n = 0
    await expect(
      store(repo, subject, 'never', {
        maxAttempts: 2,
        // Every time, someone else writes between our read and our write.
        beforeWrite: async () => {
          await store(newClient().repository(name), subject, `other-${n++}`)
        }
      })
    ).rejects.toThrow(
      /still does not list referrer .* after 2 writes: other jobs keep rewriting it; run the job again/
    )
  })

  describe('through a proxy that changes what the registry answers', () => {
    let proxy: FaultProxy
    beforeAll(async () => {
      proxy = new FaultProxy(env.registry)
      await proxy.start()
    })
    afterAll(async () => proxy?.stop())

    it('a registry whose If-Match is not about digests (412 to every conditional PUT): HEAD-only compare-and-swap', async () => {
      const name = `${proxy.host}/${uniqueRepo('if-match')}`
      const repo = newClient().repository(name)
      const subject = await subjectIn(repo, 'if-match')
      const conditional = (req: { headers: Record<string, unknown> }) =>
        req.headers['if-match'] !== undefined || req.headers['if-none-match'] !== undefined
      proxy.add({
        method: 'PUT',
        when: conditional,
        times: Infinity,
        action: { kind: 'status', status: 412 }
      })
      const first = await store(repo, subject, 'a')
      const second = await store(repo, subject, 'b')
      expect((await tagIndex(repo, subject)).map(d => d.digest)).toEqual([
        first.desc.digest,
        second.desc.digest
      ])
      proxy.clear()
    })

    it('a registry that answers OCI-Subject indexes the referrer itself: no fallback tag is written', async () => {
      const name = `${proxy.host}/${uniqueRepo('oci-subject')}`
      const repo = newClient().repository(name)
      const subject = await subjectIn(repo, 'oci-subject')
      proxy.add({
        method: 'PUT',
        path: /\/manifests\/sha256:/,
        action: { kind: 'rewrite-header', name: 'OCI-Subject', value: subject.digest }
      })
      const pushed = await store(repo, subject, 'api')
      expect(pushed.via).toBe('api')
      expect(pushed.tagIndex).toBeUndefined()
      expect(await repo.headManifest(referrersTag(subject.digest))).toBeUndefined()
      expect(await repo.headManifest(pushed.desc.digest)).toBeDefined()
      proxy.clear()
    })
  })
})
