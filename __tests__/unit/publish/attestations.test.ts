import { describe, expect, it } from '@jest/globals'
import type { AttestationArtifact } from '../../../src/attest/types.js'
import {
  attestationSubjects,
  checkWritten,
  storeAttestations,
  type PushedSubject
} from '../../../src/publish/attestations.js'
import type { Repository } from '../../../src/registry/index.js'
import { attestPhase } from '../../../src/publish/publish.js'

const d = (n: number) => `sha256:${String(n).repeat(64)}`
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const pushed: PushedSubject[] = [
  { desc: { mediaType: OCI_INDEX, digest: d(1), size: 10 } },
  { desc: { mediaType: OCI_MANIFEST, digest: d(2), size: 20 }, platform: 'linux/amd64' }
]

describe('attestation subjects', () => {
  it('names the primary image, the index without a platform, each manifest with its own', () => {
    expect(attestationSubjects('r.example/app', pushed)).toEqual([
      { name: 'r.example/app', digest: d(1) },
      { name: 'r.example/app', digest: d(2), platform: 'linux/amd64' }
    ])
  })

  it('checkWritten: every subject must be among what multiWrite wrote', () => {
    const repositories: Repository[] = []
    expect(() => checkWritten(pushed, { repositories, root: pushed[0]?.desc, manifests: [] })).toThrow(
      `${d(2)} was not pushed; cannot attest it`
    )
    expect(() =>
      checkWritten(pushed, { repositories, root: pushed[0]?.desc, manifests: [pushed[1]!.desc] })
    ).not.toThrow()
  })

  it('attestPhase asks for no attestation of a subject multiWrite did not write (a merge’s earlier manifests count)', async () => {
    const asked: string[][] = []
    const attest = async (subjects: Array<{ digest: string }>) => {
      asked.push(subjects.map(s => s.digest))
      return []
    }
    const logger = { debug: () => {}, info: () => {}, warning: () => {} }
    const repositories = [{ registry: 'r.example', path: 'app' } as unknown as Repository]
    const req = { attest, images: ['r.example/app'], logger }
    const phase = attestPhase(req, pushed, [])!
    await expect(phase({ repositories, root: pushed[0]!.desc, manifests: [] })).rejects.toThrow(
      `${d(2)} was not pushed; cannot attest it`
    )
    expect(asked).toEqual([])
    const merged = attestPhase(req, pushed, [], [pushed[1]!.desc])!
    await merged({ repositories, root: pushed[0]!.desc, manifests: [] })
    expect(asked).toEqual([[d(1), d(2)]])
  })

  it('an artifact naming a digest the publish did not push fails before any write', async () => {
    const artifact: AttestationArtifact = {
      kind: 'provenance',
      mediaType: 'application/vnd.in-toto+json',
      content: new Uint8Array([1]),
      predicateType: 'https://slsa.dev/provenance/v1',
      subjects: [{ name: 'r.example/app', digest: d(3) }],
      signed: false
    }
    // A repository that fails any call: nothing may be written.
    const repo = new Proxy({} as Repository, {
      get: (_t, prop) =>
        prop === 'then' ? undefined : () => Promise.reject(new Error(`wrote ${String(prop)}`))
    })
    await expect(
      storeAttestations(async () => [artifact], [{ image: 'r.example/app', repo }], pushed, {
        info: () => {}
      })
    ).rejects.toThrow(`names subject ${d(3)}, which this publish did not push`)
  })
})
