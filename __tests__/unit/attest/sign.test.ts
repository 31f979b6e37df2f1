import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { signStatement } from '../../../src/attest/sigstore.js'
import { fetchIdToken } from '../../../src/attest/oidc.js'
import { inTotoStatement, SLSA_PROVENANCE_V1 } from '../../../src/attest/statement.js'
import { verifyProvenance } from '../../../src/attest/verify.js'
import { oidcEnv, startSigstore, type SigstoreStandIn } from '../../support/sigstore.js'

const INDEX = `sha256:${'a'.repeat(64)}`
const OTHER = `sha256:${'b'.repeat(64)}`

let sigstore: SigstoreStandIn
beforeAll(async () => {
  sigstore = await startSigstore()
})
afterAll(() => sigstore.close())

function statement() {
  return inTotoStatement([{ name: 'ghcr.io/acme/app', digest: INDEX }], SLSA_PROVENANCE_V1, { x: 1 })
}

describe('signStatement against loopback Sigstore', () => {
  it('public-good shape (Fulcio + Rekor): a v0.3 DSSE bundle that verifies for the subject only', async () => {
    const idToken = await fetchIdToken(oidcEnv(sigstore))
    const bundle = await signStatement(statement(), {
      endpoints: { instance: 'public-good', fulcioUrl: sigstore.fulcioUrl, rekorUrl: sigstore.rekorUrl },
      idToken
    })
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json')
    const verified = verifyProvenance(bundle, INDEX, { trustedRoot: sigstore.trustedRoot })
    expect(verified.subject[0]?.digest).toEqual({ sha256: 'a'.repeat(64) })
    expect(() => verifyProvenance(bundle, OTHER, { trustedRoot: sigstore.trustedRoot })).toThrow(
      /not about sha256:b/
    )
  })
})

describe('signStatement: GitHub’s instance shape', () => {
  it('Fulcio + TSA, no transparency log: verifies with the TSA timestamp as the proof of time', async () => {
    const idToken = await fetchIdToken(oidcEnv(sigstore))
    const bundle = await signStatement(statement(), {
      endpoints: { instance: 'github', fulcioUrl: sigstore.fulcioUrl, tsaUrl: sigstore.tsaUrl },
      idToken
    })
    expect(bundle.verificationMaterial.tlogEntries ?? []).toEqual([])
    expect(bundle.verificationMaterial.timestampVerificationData?.rfc3161Timestamps).toHaveLength(1)
    const trust = { trustedRoot: sigstore.trustedRoot, thresholds: { tlogThreshold: 0 } }
    expect(verifyProvenance(bundle, INDEX, trust).predicateType).toBe(SLSA_PROVENANCE_V1)
    expect(() => verifyProvenance(bundle, OTHER, trust)).toThrow(/not about/)
  })
})

describe('verifyProvenance refuses', () => {
  it('a statement altered after signing, and a bundle checked against another trust root', async () => {
    const idToken = await fetchIdToken(oidcEnv(sigstore))
    const bundle = await signStatement(statement(), {
      endpoints: { instance: 'public-good', fulcioUrl: sigstore.fulcioUrl, rekorUrl: sigstore.rekorUrl },
      idToken
    })
    const forged = inTotoStatement([{ name: 'ghcr.io/acme/app', digest: OTHER }], SLSA_PROVENANCE_V1, {
      x: 1
    })
    const tampered = structuredClone(bundle)
    if (!tampered.dsseEnvelope) throw new Error('no envelope')
    tampered.dsseEnvelope.payload = Buffer.from(JSON.stringify(forged)).toString('base64')
    expect(() => verifyProvenance(tampered, OTHER, { trustedRoot: sigstore.trustedRoot })).toThrow(
      /does not verify/
    )
    const elsewhere = await startSigstore()
    try {
      expect(() => verifyProvenance(bundle, INDEX, { trustedRoot: elsewhere.trustedRoot })).toThrow(
        /does not verify/
      )
    } finally {
      await elsewhere.close()
    }
  })

  it('a statement that is not SLSA provenance', async () => {
    const idToken = await fetchIdToken(oidcEnv(sigstore))
    const sbom = inTotoStatement(
      [{ name: 'ghcr.io/acme/app', digest: INDEX }],
      'https://spdx.dev/Document/v2.3',
      {}
    )
    const bundle = await signStatement(sbom, {
      endpoints: { instance: 'public-good', fulcioUrl: sigstore.fulcioUrl, rekorUrl: sigstore.rekorUrl },
      idToken
    })
    expect(() => verifyProvenance(bundle, INDEX, { trustedRoot: sigstore.trustedRoot })).toThrow(
      /not SLSA provenance v1/
    )
  })
})

describe('fetchIdToken', () => {
  it('asks for audience sigstore with the runner’s bearer token; a refused request names the status', async () => {
    const token = await fetchIdToken(oidcEnv(sigstore))
    expect(token.split('.')).toHaveLength(3)
    const asked = sigstore.requests.filter(r => r.path === '/oidc/token').at(-1)
    expect(asked?.query.get('audience')).toBe('sigstore')
    expect(asked?.headers.authorization).toBe(`Bearer ${sigstore.tokenRequestToken}`)
    await expect(
      fetchIdToken({ ...oidcEnv(sigstore), ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'wrong' })
    ).rejects.toThrow(/HTTP 401/)
    await expect(
      fetchIdToken({ ...oidcEnv(sigstore), ACTIONS_ID_TOKEN_REQUEST_URL: `${sigstore.url}/oidc/not-json` })
    ).rejects.toThrow(/without a token/)
    await expect(fetchIdToken({})).rejects.toThrow(/ACTIONS_ID_TOKEN_REQUEST_URL/)
  })
})
