import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createProvenance, type ProvenanceRequest } from '../../../src/attest/provenance.js'
import { attestStatement } from '../../../src/attest/attest.js'
import { checkSigningPossible } from '../../../src/attest/sign.js'
import type { RunContext } from '../../../src/attest/context.js'
import { verifyProvenance } from '../../../src/attest/verify.js'
import { InputError } from '../../../src/inputs/errors.js'
import {
  oidcEnv,
  startAttestationsApi,
  startSigstore,
  type AttestationsApiStandIn,
  type SigstoreStandIn
} from '../../support/sigstore.js'

const INDEX = `sha256:${'c'.repeat(64)}`
const AMD64 = `sha256:${'d'.repeat(64)}`
const SUBJECTS = [
  { name: 'ghcr.io/acme/app', digest: INDEX },
  { name: 'ghcr.io/acme/app', digest: AMD64, platform: 'linux/amd64' }
]

let sigstore: SigstoreStandIn
let api: AttestationsApiStandIn
let warnings: string[]
const logger = { info: () => {}, debug: () => {}, warning: (m: string) => warnings.push(m) }

beforeAll(async () => {
  sigstore = await startSigstore()
  api = await startAttestationsApi()
})
afterAll(async () => {
  await sigstore.close()
  await api.close()
})
beforeEach(() => {
  warnings = []
  sigstore.requests.length = 0
  api.requests.length = 0
})

function run(visibility = 'public'): RunContext {
  return {
    serverUrl: 'https://github.com',
    apiUrl: api.url,
    repository: 'acme/app',
    repositoryId: '101',
    repositoryOwnerId: '202',
    repositoryVisibility: visibility,
    workflowRef: 'acme/app/.github/workflows/release.yml@refs/heads/main',
    ref: 'refs/heads/main',
    sha: '0123456789abcdef0123456789abcdef01234567',
    eventName: 'push',
    runId: '42',
    runAttempt: '1',
    runnerEnvironment: 'github-hosted'
  }
}

/** A job with `id-token: write`, signing against the loopback stand-ins. */
function signingEnv(): NodeJS.ProcessEnv {
  return {
    ...oidcEnv(sigstore),
    PUBLISH_IMAGE_FULCIO_URL: sigstore.fulcioUrl,
    PUBLISH_IMAGE_REKOR_URL: sigstore.rekorUrl,
    PUBLISH_IMAGE_TSA_URL: sigstore.tsaUrl
  }
}

function request(overrides: Partial<ProvenanceRequest> = {}): ProvenanceRequest {
  return {
    settings: { mode: 'min', signing: 'auto', explicit: false },
    subjects: SUBJECTS,
    run: run(),
    env: signingEnv(),
    githubToken: 'ghs_loopbacktoken',
    logger,
    ...overrides
  }
}

describe('createProvenance, signed', () => {
  it('signs with the job’s OIDC token, records the bundle through the attestations API, verifies', async () => {
    const artifact = await createProvenance(request())

    expect(artifact).toMatchObject({
      kind: 'provenance',
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      predicateType: 'https://slsa.dev/provenance/v1',
      subjects: SUBJECTS,
      signed: true,
      attestationId: '7001'
    })
    expect(warnings).toEqual([])
    const bundle: unknown = JSON.parse(Buffer.from(artifact.content).toString('utf8'))
    const statement = verifyProvenance(bundle, INDEX, { trustedRoot: sigstore.trustedRoot })
    verifyProvenance(bundle, AMD64, { trustedRoot: sigstore.trustedRoot })
    expect(() =>
      verifyProvenance(bundle, `sha256:${'e'.repeat(64)}`, { trustedRoot: sigstore.trustedRoot })
    ).toThrow(/not about/)
    // builder.id comes from the token's job_workflow_ref (the reusable workflow that ran the job)
    expect(JSON.stringify(statement.predicate)).toContain(
      '"builder":{"id":"https://github.com/acme/shared/.github/workflows/build.yml@refs/tags/v2"}'
    )

    const token = sigstore.requests.find(r => r.path === '/oidc/token')
    expect(token?.query.get('audience')).toBe('sigstore')
    expect(token?.query.get('api-version')).toBe('2.0')
    expect(sigstore.requests.map(r => r.path)).toEqual(
      expect.arrayContaining(['/api/v2/signingCert', '/api/v1/log/entries'])
    )
    expect(sigstore.requests.map(r => r.path)).not.toContain('/api/v1/timestamp')

    expect(api.requests).toHaveLength(1)
    const [recorded] = api.requests
    expect(recorded?.method).toBe('POST')
    expect(recorded?.path).toBe('/repos/acme/app/attestations')
    expect(recorded?.headers.authorization).toBe('token ghs_loopbacktoken')
    expect(JSON.parse(recorded?.body ?? '{}')).toEqual({ bundle })
  })

  it('a private repository signs with GitHub’s instance: a TSA timestamp, no transparency log', async () => {
    const artifact = await createProvenance(request({ run: run('private') }))
    const paths = sigstore.requests.map(r => r.path)
    expect(paths).toContain('/api/v1/timestamp')
    expect(paths).not.toContain('/api/v1/log/entries')
    const bundle: unknown = JSON.parse(Buffer.from(artifact.content).toString('utf8'))
    verifyProvenance(bundle, INDEX, { trustedRoot: sigstore.trustedRoot, thresholds: { tlogThreshold: 0 } })
  })

  it('a refused attestations API record is a warning; the signed bundle is still returned', async () => {
    const refusing = await startAttestationsApi({ status: 403, body: { message: 'Resource not accessible' } })
    try {
      const artifact = await createProvenance(request({ run: { ...run(), apiUrl: refusing.url } }))
      expect(artifact.signed).toBe(true)
      expect(artifact.attestationId).toBeUndefined()
      expect(warnings.join('\n')).toMatch(/HTTP 403.*attestations: write.*gh attestation verify/s)
    } finally {
      await refusing.close()
    }
  })

  it('signing=required makes a refused record fail the run', async () => {
    const refusing = await startAttestationsApi({ status: 403, body: { message: 'Resource not accessible' } })
    try {
      await expect(
        createProvenance(
          request({
            settings: { mode: 'min', signing: 'required', explicit: true },
            run: { ...run(), apiUrl: refusing.url }
          })
        )
      ).rejects.toThrow(/cannot record the attestation.*HTTP 403/)
    } finally {
      await refusing.close()
    }
  })
})

describe('createProvenance, unsigned', () => {
  it('without an OIDC token: the bare statement, and a warning naming the permissions', async () => {
    const artifact = await createProvenance(request({ env: { GITHUB_ACTIONS: 'true' } }))
    expect(artifact).toMatchObject({ mediaType: 'application/vnd.in-toto+json', signed: false })
    expect(artifact.attestationId).toBeUndefined()
    const statement = JSON.parse(Buffer.from(artifact.content).toString('utf8')) as { subject: unknown[] }
    expect(statement.subject).toHaveLength(2)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/unsigned.*permissions: id-token: write, attestations: write/)
    expect(api.requests).toHaveLength(0)
  })

  it('outside GitHub Actions (the command line) the warning does not ask for workflow permissions', async () => {
    await createProvenance(request({ env: {} }))
    expect(warnings).toEqual([
      'Provenance is published unsigned: outside GitHub Actions there is no OIDC token to sign with Sigstore'
    ])
  })

  it('signing=off: unsigned without a warning, and no token is asked for', async () => {
    const artifact = await createProvenance(
      request({ settings: { mode: 'min', signing: 'off', explicit: true } })
    )
    expect(artifact.signed).toBe(false)
    expect(warnings).toEqual([])
    expect(sigstore.requests).toHaveLength(0)
  })

  it('an unreachable Fulcio under signing=auto: unsigned with a warning; under required: an error', async () => {
    const env = { ...signingEnv(), PUBLISH_IMAGE_FULCIO_URL: 'http://127.0.0.1:9' }
    const unsigned = await createProvenance(request({ env, signingRetries: 0 }))
    expect(unsigned.signed).toBe(false)
    expect(warnings.join('\n')).toMatch(/Publishing unsigned: cannot sign the provenance with Sigstore/)
    await expect(
      createProvenance(
        request({ env, signingRetries: 0, settings: { mode: 'min', signing: 'required', explicit: true } })
      )
    ).rejects.toThrow(/signing=required: cannot sign the provenance/)
  })
})

describe('checkSigningPossible (called before the build)', () => {
  it('signing=required without an OIDC token is an InputError naming the fix', () => {
    let error: unknown
    try {
      checkSigningPossible({ mode: 'max', signing: 'required' }, {})
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).input).toBe('provenance')
    expect((error as Error).message).toMatch(/permissions: id-token: write, attestations: write/)
    expect(checkSigningPossible({ mode: 'max', signing: 'required' }, oidcEnv(sigstore))).toEqual({
      sign: true
    })
  })

  it('auto without a token warns; off and provenance false do not', () => {
    expect(checkSigningPossible({ mode: 'min', signing: 'auto' }, {}).warning).toMatch(/unsigned/)
    expect(checkSigningPossible({ mode: 'min', signing: 'off' }, {})).toEqual({ sign: false })
    expect(checkSigningPossible({ mode: 'off', signing: 'required' }, {})).toEqual({ sign: false })
  })

  it('createProvenance with signing=required and no token throws the same error', async () => {
    await expect(
      createProvenance(request({ env: {}, settings: { mode: 'min', signing: 'required', explicit: true } }))
    ).rejects.toThrow(InputError)
  })
})

describe('attestStatement (the SBOM path)', () => {
  it('signs any predicate type for the given subjects', async () => {
    const artifact = await attestStatement(
      SUBJECTS.slice(1),
      'https://spdx.dev/Document/v2.3',
      { spdxVersion: 'SPDX-2.3' },
      {
        kind: 'sbom',
        signing: 'auto',
        run: run(),
        env: signingEnv(),
        githubToken: 'ghs_loopbacktoken',
        logger,
        record: false
      }
    )
    expect(artifact).toMatchObject({
      kind: 'sbom',
      predicateType: 'https://spdx.dev/Document/v2.3',
      signed: true
    })
    expect(api.requests).toHaveLength(0)
    const bundle = JSON.parse(Buffer.from(artifact.content).toString('utf8')) as {
      dsseEnvelope: { payload: string }
    }
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString('utf8')) as {
      subject: { digest: unknown }[]
    }
    expect(statement.subject).toEqual([{ name: 'ghcr.io/acme/app', digest: { sha256: 'd'.repeat(64) } }])
  })
})
