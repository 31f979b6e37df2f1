/**
 * dist/index.js (the bundle a workflow runs, with its lazily loaded signing chunk) signs the provenance
 * against loopback Sigstore stand-ins, records it through a loopback attestations API, and stores the
 * bundle as a referrer; a job without an OIDC token publishes it unsigned with a warning.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { runAction } from '../../../scripts/run-action.mjs'
import { verifyProvenance } from '../../../src/attest/verify.js'
import { makeContext, rawManifest } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import {
  oidcEnv,
  startAttestationsApi,
  startSigstore,
  type AttestationsApiStandIn,
  type SigstoreStandIn
} from '../../support/sigstore.js'

const env = testEnv()
let sigstore: SigstoreStandIn
let api: AttestationsApiStandIn
beforeAll(async () => {
  sigstore = await startSigstore()
  api = await startAttestationsApi()
})
afterAll(async () => {
  await sigstore.close()
  await api.close()
})

async function publish(image: string, extraEnv: Record<string, string>, provenance = '') {
  const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nCOPY Dockerfile /d\n` })
  return runAction({
    cwd: context,
    inputs: {
      registry: env.registry,
      images: image,
      tags: 'type=raw,value=v1',
      builder: 'buildah',
      password: '',
      provenance
    },
    env: { GITHUB_API_URL: api.url, ...extraEnv },
    token: 'ghs_loopbacktoken'
  })
}

/** The one referrer the `sha256-<hex>` fallback tag of `digest` lists, and its layer's bytes (crane). */
function onlyReferrer(image: string, digest: string) {
  const listed = rawManifest(`${image}:${digest.replace(':', '-')}`).json.manifests ?? []
  expect(listed).toHaveLength(1)
  const manifest = rawManifest(`${image}@${listed[0]?.digest}`).json as {
    artifactType?: string
    subject?: { digest: string }
    layers?: { digest: string }[]
  }
  const crane = join(env.goBin, 'crane')
  const layer = execFileSync(crane, ['blob', '--insecure', `${image}@${manifest.layers?.[0]?.digest}`])
  return { manifest, layer }
}

function listedDigest(image: string, digest: string): string | undefined {
  return rawManifest(`${image}:${digest.replace(':', '-')}`).json.manifests?.[0]?.digest
}

describe('dist/index.js provenance', () => {
  it('signs with the job OIDC token, records it, and attaches the bundle to the image', async () => {
    const image = `${env.registry}/${uniqueRepo('dist-provenance')}`
    api.requests.length = 0
    const run = await publish(
      image,
      {
        ...(oidcEnv(sigstore) as Record<string, string>),
        PUBLISH_IMAGE_SIGSTORE_INSTANCE: 'public-good',
        PUBLISH_IMAGE_FULCIO_URL: sigstore.fulcioUrl,
        PUBLISH_IMAGE_REKOR_URL: sigstore.rekorUrl
      },
      'signing=required'
    )
    expect(run.stdout).not.toMatch(/::error|::warning::.*(rovenance|ign|ttest)/)
    expect(run.exitCode).toBe(0)
    const digest = String(run.outputs.digest)
    const { manifest, layer } = onlyReferrer(image, digest)
    expect(manifest.artifactType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json')
    expect(manifest.subject?.digest).toBe(digest)
    const bundle: unknown = JSON.parse(layer.toString('utf8'))
    verifyProvenance(bundle, digest, { trustedRoot: sigstore.trustedRoot })
    const posts = api.requests.filter(r => r.method === 'POST')
    expect(posts).toHaveLength(1)
    expect(posts[0]?.path).toMatch(/^\/repos\/[^/]+\/[^/]+\/attestations$/)
    expect((JSON.parse(posts[0]?.body ?? '{}') as { bundle?: unknown }).bundle).toEqual(bundle)
    const referrers = JSON.parse(run.outputs['attestation-digests'] ?? '{}') as Record<string, string>
    expect(Object.values(referrers)).toEqual([listedDigest(image, digest)])
  }, 600000)

  it('without an OIDC token: unsigned, with a warning naming the permissions', async () => {
    const image = `${env.registry}/${uniqueRepo('dist-provenance-unsigned')}`
    const run = await publish(image, {})
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/::warning::Provenance is published unsigned.*id-token: write/)
    const { manifest } = onlyReferrer(image, String(run.outputs.digest))
    expect(manifest.artifactType).toBe('application/vnd.in-toto+json')
  }, 600000)
})
