/**
 * Attestations stored by the publish step as OCI 1.1 referrers, against the real Distribution (no
 * referrers API: the sha256-<hex> fallback tag), read back with skopeo and crane.
 */
import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AttestationArtifact, AttestationSubject } from '../../../src/attest/types.js'
import { findImages, finalizeLayout, readLayoutIndex } from '../../../src/builders/layout/normalize.js'
import { publishLayout, type PublishRequest } from '../../../src/publish/publish.js'
import { mergeDigests } from '../../../src/publish/merge.js'
import { cleanupImage } from '../../../src/cleanup/index.js'
import { registryDeleter } from '../../../src/cleanup/registry-deleter.js'
import { manifestExists } from '../../support/referrers.js'
import { referrersTag, type Descriptor } from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { capturingLogger, recordingClient } from '../../support/registry/helpers.js'
import { writeLayout } from '../../support/registry/oci-builder.js'
import { skopeoRaw } from '../../support/registry/skopeo.js'

const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const IN_TOTO = 'application/vnd.in-toto+json'
const SPDX = 'https://spdx.dev/Document/v2.3'
const SLSA = 'https://slsa.dev/provenance/v1'

const env = testEnv()
const crane = (...args: string[]) =>
  execFileSync(join(env.goBin, 'crane'), [...args, '--insecure'], { maxBuffer: 16 << 20 })
const json = <T>(b: Buffer | Uint8Array): T => JSON.parse(Buffer.from(b).toString()) as T
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`

/**
 * What buildx leaves before normalize: index.json → a nested index of two platform manifests and an
 * attestation manifest (unknown/unknown); then the build stage's finalizeLayout, as in a real run.
 */
async function builtLayout(dir: string): Promise<void> {
  const built = await writeLayout(dir, {
    platforms: [
      { os: 'linux', architecture: 'amd64', layers: [2000 + Math.floor(Math.random() * 1000)] },
      { os: 'linux', architecture: 'arm64', layers: [2000] }
    ]
  })
  const blob = async (b: Buffer) => {
    await writeFile(join(dir, 'blobs', 'sha256', sha(b).slice(7)), b)
    return { digest: sha(b), size: b.length }
  }
  const config = built.blobs[0] as Descriptor
  const att = await blob(
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }))
  )
  const nested = await blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_INDEX,
        manifests: [
          ...built.manifests.map(({ body: _b, ...d }) => d),
          {
            mediaType: OCI_MANIFEST,
            ...att,
            platform: { os: 'unknown', architecture: 'unknown' },
            annotations: { 'vnd.docker.reference.type': 'attestation-manifest' }
          }
        ]
      })
    )
  )
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_INDEX, ...nested }] })
  )
  const images = await findImages(dir, await readLayoutIndex(dir))
  await finalizeLayout(dir, images, { platforms: ['linux/amd64', 'linux/arm64'], labels: {} })
}

/** A real in-toto Statement v1 naming the subjects (test data: the seam for src/attest's provenance). */
function statement(subjects: AttestationSubject[], predicateType: string, note: string): Uint8Array {
  return Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v1',
      subject: subjects.map(s => ({ name: s.name, digest: { sha256: s.digest.slice('sha256:'.length) } })),
      predicateType,
      predicate: { note }
    })
  )
}

/** Provenance of every subject, and an SBOM per platform manifest; records what it was asked. */
function attestor(note: string) {
  const calls: AttestationSubject[][] = []
  const attest = async (subjects: AttestationSubject[]): Promise<AttestationArtifact[]> => {
    calls.push(subjects)
    const provenance: AttestationArtifact = {
      kind: 'provenance',
      mediaType: IN_TOTO,
      content: statement(subjects, SLSA, note),
      predicateType: SLSA,
      subjects,
      signed: false
    }
    const sboms = subjects
      .filter(s => s.platform)
      .map((s): AttestationArtifact => ({
        kind: 'sbom',
        mediaType: IN_TOTO,
        content: statement([s], SPDX, `${note} ${s.platform}`),
        predicateType: SPDX,
        subjects: [s],
        signed: false
      }))
    return [provenance, ...sboms]
  }
  return { attest, calls }
}

function request(
  layoutDir: string,
  images: string[],
  extra: Partial<PublishRequest>,
  client = recordingClient().client
): PublishRequest {
  return {
    client,
    layoutDir,
    images,
    tags: ['v1'],
    annotations: { manifest: {}, index: {}, manifestDescriptor: {} },
    forceIndex: true,
    logger: capturingLogger(),
    ...extra
  }
}

/** The fallback tag index of `digest` in `image`, read by crane. */
function fallbackIndex(image: string, digest: string): Descriptor[] {
  return json<{ manifests: Descriptor[] }>(crane('manifest', `${image}:${referrersTag(digest)}`)).manifests
}

async function withLayout<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'attest-layout-'))
  try {
    await builtLayout(dir)
    return await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

describe('publishLayout with attest: referrers of the index and the platform manifests', () => {
  it('pushes a clean two-platform index to two images, then the referrers, then the tags', async () => {
    const images = [`${env.registry}/${uniqueRepo('attest-a')}`, `${env.registry}/${uniqueRepo('attest-b')}`]
    const recording = recordingClient()
    const { attest, calls } = attestor('first')
    const result = await withLayout(dir => publishLayout(request(dir, images, { attest }, recording.client)))

    // attest saw the primary image's index and platform manifests, by the digests the registry serves.
    expect(calls).toEqual([
      [
        { name: images[0], digest: result.digest },
        { name: images[0], digest: result.platformDigests['linux/amd64'], platform: 'linux/amd64' },
        { name: images[0], digest: result.platformDigests['linux/arm64'], platform: 'linux/arm64' }
      ]
    ])
    for (const image of images) {
      const indexBytes = await skopeoRaw(`${image}:v1`)
      expect(sha(indexBytes)).toBe(result.digest)
      const index = json<{ manifests: Descriptor[] }>(indexBytes)
      expect(index.manifests.map(m => `${m.platform?.os}/${m.platform?.architecture}`).sort()).toEqual([
        'linux/amd64',
        'linux/arm64'
      ])
      for (const subjectDigest of [result.digest, ...Object.values(result.platformDigests)]) {
        const served = await skopeoRaw(`${image}@${subjectDigest}`)
        const subject = {
          mediaType: json<{ mediaType: string }>(served).mediaType,
          digest: sha(served),
          size: served.length
        }
        expect(subject.digest).toBe(subjectDigest)
        const listed = fallbackIndex(image, subjectDigest)
        const stored = result.attestations.filter(
          a => a.subject.name === image && a.subject.digest === subjectDigest
        )
        expect(listed.map(d => d.digest).sort()).toEqual(stored.map(a => a.referrer).sort())
        expect(listed.length).toBe(subjectDigest === result.digest ? 1 : 2)
        for (const entry of listed) {
          expect(entry).toMatchObject({ mediaType: OCI_MANIFEST, artifactType: IN_TOTO })
          expect(entry.annotations?.['org.opencontainers.image.created']).toBeDefined()
          const referrerBytes = await skopeoRaw(`${image}@${entry.digest}`)
          expect(sha(referrerBytes)).toBe(entry.digest)
          expect(referrerBytes.length).toBe(entry.size)
          const referrer = json<{ subject: Descriptor; layers: Descriptor[]; artifactType: string }>(
            referrerBytes
          )
          expect(referrer.subject).toEqual(subject)
          expect(referrer.artifactType).toBe(IN_TOTO)
          const layer = crane('blob', `${image}@${referrer.layers[0]?.digest}`)
          const statementJson = json<{ subject: { digest: { sha256: string } }[]; predicateType: string }>(
            layer
          )
          expect(statementJson.subject.map(s => `sha256:${s.digest.sha256}`)).toContain(subjectDigest)
        }
        // lifecycle.referrers (what cleanup reads) finds the same.
        const read = await recording.client.repository(image).referrers(subjectDigest)
        expect(read.descriptors.map(d => d.digest).sort()).toEqual(listed.map(d => d.digest).sort())
      }
    }
    expect(result.attestations).toHaveLength(2 * (3 + 2))
    // Order: every referrer (and fallback tag) write came before the first tag write.
    const puts = recording.requests.filter(r => r.method === 'PUT' && r.url.includes('/manifests/'))
    const firstTag = puts.findIndex(r => r.url.endsWith('/manifests/v1'))
    const lastReferrerTag = puts.map(r => r.url.includes('/manifests/sha256-')).lastIndexOf(true)
    expect(firstTag).toBeGreaterThan(lastReferrerTag)
    expect(lastReferrerTag).toBeGreaterThan(-1)
  })

  it('a failing attest stops before the tags: the image is there by digest, no tag is written', async () => {
    const image = `${env.registry}/${uniqueRepo('attest-fail')}`
    const client = recordingClient().client
    let seen: AttestationSubject[] = []
    const attest = async (subjects: AttestationSubject[]): Promise<AttestationArtifact[]> => {
      seen = subjects
      // Called after the by-digest writes: the index is there, the tag is not yet.
      expect(await client.repository(image).headManifest(subjects[0]?.digest ?? '')).toBeDefined()
      expect(await client.repository(image).headManifest('v1')).toBeUndefined()
      throw new Error('signing failed')
    }
    await expect(withLayout(dir => publishLayout(request(dir, [image], { attest }, client)))).rejects.toThrow(
      'signing failed'
    )
    expect(seen).toHaveLength(3)
    expect(await client.repository(image).listTags()).toEqual([])
  })

  it('re-publishing the tag (same image, then a new one) keeps every earlier referrer listed', async () => {
    const image = `${env.registry}/${uniqueRepo('attest-again')}`
    await withLayout(async dir => {
      const first = await publishLayout(request(dir, [image], { attest: attestor('one').attest }))
      const again = await publishLayout(request(dir, [image], { attest: attestor('two').attest }))
      expect(again.digest).toBe(first.digest)
      const listed = fallbackIndex(image, first.digest).map(d => d.digest)
      const both = [...first.attestations, ...again.attestations].filter(
        a => a.subject.digest === first.digest
      )
      expect(both).toHaveLength(2)
      expect(listed.sort()).toEqual(both.map(a => a.referrer).sort())
      for (const platformDigest of Object.values(first.platformDigests))
        expect(fallbackIndex(image, platformDigest)).toHaveLength(4)
      const other = await withLayout(dir2 =>
        publishLayout(request(dir2, [image], { attest: attestor('three').attest }))
      )
      expect(other.digest).not.toBe(first.digest)
      expect(
        execFileSync(join(env.goBin, 'crane'), ['digest', '--insecure', `${image}:v1`])
          .toString()
          .trim()
      ).toBe(other.digest)
      // The old image keeps its referrers; the new one has its own.
      expect(
        fallbackIndex(image, first.digest)
          .map(d => d.digest)
          .sort()
      ).toEqual(listed.sort())
      expect(fallbackIndex(image, other.digest)).toHaveLength(1)
    })
  })

  it('merge: the legs keep their per-platform referrers, the merged index gets its own', async () => {
    const image = `${env.registry}/${uniqueRepo('attest-merge')}`
    const client = recordingClient().client
    const leg = await withLayout(dir =>
      publishLayout(
        request(dir, [image], { byDigest: true, tags: [], attest: attestor('leg').attest }, client)
      )
    )
    expect(leg.digest).toBe('')
    expect(leg.attestations.map(a => a.subject.platform).sort()).toEqual([
      'linux/amd64',
      'linux/amd64',
      'linux/arm64',
      'linux/arm64'
    ])
    const { attest, calls } = attestor('merged')
    const merged = await mergeDigests({
      client,
      images: [image],
      tags: ['v1'],
      digests: Object.values(leg.platformDigests).map(digest => ({ digest })),
      annotations: { index: {}, manifestDescriptor: {} },
      logger: capturingLogger(),
      tempDir: tmpdir(),
      attest
    })
    expect(calls).toEqual([[{ name: image, digest: merged.digest }]])
    expect(fallbackIndex(image, merged.digest).map(d => d.digest)).toEqual(
      merged.attestations.filter(a => a.subject.digest === merged.digest).map(a => a.referrer)
    )
    for (const digest of Object.values(leg.platformDigests)) {
      const listed = fallbackIndex(image, digest).map(d => d.digest)
      for (const a of leg.attestations.filter(x => x.subject.digest === digest))
        expect(listed).toContain(a.referrer)
      expect(listed).toHaveLength(2)
    }
  })

  it('cleanup after a re-tag deletes the old image with its referrers and fallback tags, keeps the new ones', async () => {
    const image = `${env.registry}/${uniqueRepo('attest-cleanup')}`
    const client = recordingClient().client
    const old = await withLayout(dir =>
      publishLayout(request(dir, [image], { attest: attestor('old').attest }, client))
    )
    const now = await withLayout(dir =>
      publishLayout(request(dir, [image], { attest: attestor('new').attest }, client))
    )
    const parts = async (r: typeof old) => {
      const subjects = [r.digest, ...Object.values(r.platformDigests)]
      const tagIndexes = await Promise.all(
        subjects.map(async d => (await client.repository(image).headManifest(referrersTag(d)))?.digest ?? '')
      )
      return [...subjects, ...r.attestations.map(a => a.referrer), ...tagIndexes]
    }
    const oldParts = await parts(old)
    const newParts = await parts(now)
    const repo = client.repository(image)
    const result = await cleanupImage({
      image,
      repo,
      before: [old.digest],
      keep: [now.digest],
      deleter: registryDeleter(repo),
      dryRun: false,
      logger: { info: () => undefined, warning: () => undefined }
    })
    expect([...result.deleted].sort()).toEqual([...new Set(oldParts)].sort())
    for (const d of newParts) expect(await manifestExists(image, d)).toBe(true)
    for (const d of oldParts) expect(await manifestExists(image, d)).toBe(false)
  })
})
