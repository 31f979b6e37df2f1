/**
 * The attestation phase stops with the publish's signal (a cancelled job, the push-timeout): a hung OIDC
 * token endpoint, Fulcio or attestations API is left at once, with an error naming what was stopped,
 * never with a fallback to unsigned (signing=auto would otherwise publish and go on to the tags).
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { attestStatement, type AttestOptions } from '../../../src/attest/attest.js'
import { SLSA_PROVENANCE_V1 } from '../../../src/attest/statement.js'
import { oidcEnv, startAttestationsApi, startSigstore, type RecordedRequest } from '../../support/sigstore.js'

const SUBJECTS = [{ name: 'ghcr.io/acme/app', digest: `sha256:${'e'.repeat(64)}` }]

const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

/** Aborts `controller` as the runner's SIGTERM does once a request to `path` arrived; resolves to that time. */
function cancelOnRequest(requests: () => RecordedRequest[], path: RegExp, controller: AbortController) {
  return new Promise<number>(resolve => {
    const poll = setInterval(() => {
      if (!requests().some(r => path.test(r.path))) return
      clearInterval(poll)
      controller.abort(new Error('cancelled by SIGTERM'))
      resolve(Date.now())
    }, 20)
  })
}

/** attestStatement with signing=auto against stand-ins where requests to `held` are never answered. */
async function attestCancelled(held: RegExp, kind: AttestOptions['kind']) {
  const holdApi = held.test('/repos/acme/app/attestations')
  const sigstore = await startSigstore(undefined, holdApi ? undefined : held)
  const api = await startAttestationsApi(holdApi ? 'hold' : undefined)
  closers.push(sigstore.close, api.close)
  const warnings: string[] = []
  const controller = new AbortController()
  const cancelled = cancelOnRequest(() => [...sigstore.requests, ...api.requests], held, controller)
  const outcome = await attestStatement(
    SUBJECTS,
    SLSA_PROVENANCE_V1,
    { x: 1 },
    {
      kind,
      signing: 'auto',
      run: {
        serverUrl: 'https://github.com',
        apiUrl: api.url,
        repository: 'acme/app',
        repositoryVisibility: 'public'
      },
      env: {
        ...oidcEnv(sigstore),
        PUBLISH_IMAGE_FULCIO_URL: sigstore.fulcioUrl,
        PUBLISH_IMAGE_REKOR_URL: sigstore.rekorUrl
      },
      githubToken: 'ghs_loopbacktoken',
      logger: { info: () => {}, debug: () => {}, warning: m => void warnings.push(m) },
      signingRetries: 0,
      signal: controller.signal
    }
  ).then(
    artifact => ({ artifact }),
    (error: unknown) => ({ error })
  )
  return { ...outcome, afterMs: Date.now() - (await cancelled), warnings }
}

describe('attestStatement stops with its signal, whatever it waits for', () => {
  it('the OIDC token endpoint hangs: stopped, not published unsigned', async () => {
    const stopped = await attestCancelled(/^\/oidc\/token$/, 'provenance')
    expect(stopped).toMatchObject({
      error: expect.objectContaining({
        message: "getting the job's OIDC token was stopped before any tag moved: cancelled by SIGTERM"
      })
    })
    expect(stopped.afterMs).toBeLessThan(1000)
    expect(stopped.warnings).toEqual([])
  })

  it('Fulcio hangs: the signing is left at once (@sigstore/sign takes no signal)', async () => {
    const stopped = await attestCancelled(/^\/api\/v2\/signingCert$/, 'sbom')
    expect(stopped).toMatchObject({
      error: expect.objectContaining({
        message: 'signing the sbom with Sigstore was stopped before any tag moved: cancelled by SIGTERM'
      })
    })
    expect(stopped.afterMs).toBeLessThan(1000)
    expect(stopped.warnings).toEqual([])
  })

  it('the attestations API hangs: the recording is stopped, not downgraded to a warning', async () => {
    const stopped = await attestCancelled(/\/attestations$/, 'provenance')
    expect(stopped).toMatchObject({
      error: expect.objectContaining({
        message:
          'recording the provenance through the attestations API was stopped before any tag moved: cancelled by SIGTERM'
      })
    })
    expect(stopped.afterMs).toBeLessThan(1000)
    expect(stopped.warnings).toEqual([])
  })
})
