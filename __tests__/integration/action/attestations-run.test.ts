/**
 * The whole step (src/main.ts run) with its default provenance and `sbom`: a real two-platform buildah
 * build pushed to the real registry. Unsigned without an OIDC token (with the warning); signed against
 * loopback Sigstore stand-ins with one, verified with sigstore-js, and recorded through a loopback
 * attestations API. Read back with skopeo and crane: a clean index, referrers on the right subjects,
 * fallback tags listing them, statements about the digests the registry serves.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmod, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verifyProvenance } from '../../../src/attest/verify.js'
import { parseCli } from '../../../src/cli/args.js'
import { run } from '../../../src/main.js'
import type { Runtime } from '../../../src/runtime/types.js'
import { listTags, makeContext, rawManifest, sha256 } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import {
  oidcEnv,
  startAttestationsApi,
  startSigstore,
  type AttestationsApiStandIn,
  type SigstoreStandIn
} from '../../support/sigstore.js'

interface Referrer {
  artifactType?: string
  subject?: { digest: string; mediaType: string; size: number }
  layers: { digest: string; mediaType: string }[]
}
interface InToto {
  _type: string
  subject: { name: string; digest: { sha256: string } }[]
  predicateType: string
  predicate: Record<string, unknown>
}

function recordingRuntime() {
  const outputs: Record<string, string> = {}
  const summaries: string[] = []
  const warnings: string[] = []
  const rt: Runtime = {
    info: () => {},
    warning: m => void warnings.push(m),
    debug: () => {},
    group: (_name, fn) => fn(),
    setOutput: (name, value) => void (outputs[name] = value),
    setSecret: () => {},
    saveState: () => {},
    writeSummary: async md => void summaries.push(md)
  }
  return { rt, outputs, summaries, warnings }
}

/** A blob's bytes as crane (a client we did not write) fetches them. */
function craneBlob(image: string, digest: string): Buffer {
  return execFileSync(join(testEnv().goBin, 'crane'), ['blob', '--insecure', `${image}@${digest}`])
}

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

async function publish(image: string, flags: string[], extraEnv: NodeJS.ProcessEnv, syftDir = env.syftBin) {
  const context = await makeContext({
    Dockerfile: `FROM ${env.baseImage}\nCOPY package.json /app/package.json\n`,
    'package.json': JSON.stringify({ name: 'attest-probe', version: '2.3.4' })
  })
  const request = parseCli(
    [
      ...['--builder', 'buildah', '--registry', env.registry, '--image', image],
      ...['--tag', 'type=raw,value=v1', '--platform', 'linux/amd64,linux/arm64', '--context', context],
      ...['--summary', '/dev/null', ...flags]
    ],
    {}
  )
  if (!('inputs' in request) || !request.inputs) throw new Error('no inputs')
  const recorded = recordingRuntime()
  const runEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${syftDir}:${process.env.PATH ?? ''}`,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: api.url,
    GITHUB_WORKFLOW_REF: 'acme/app/.github/workflows/release.yml@refs/heads/main',
    GITHUB_RUN_ID: '42',
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: await mkdtemp(`${tmpdir()}/run-attest-`),
    ...extraEnv
  }
  await run({ ...request.inputs, githubToken: 'ghs_loopbacktoken' }, recorded.rt, runEnv)
  return recorded
}

/** Every referrer the fallback tag of `subject` lists, with its manifest and its one layer's bytes. */
function referrersOf(image: string, subject: string) {
  const fallback = rawManifest(`${image}:${subject.replace(':', '-')}`)
  return (fallback.json.manifests ?? []).map(d => {
    const manifest = rawManifest(`${image}@${d.digest}`).json as unknown as Referrer
    const layer = manifest.layers[0]
    if (!layer) throw new Error(`referrer ${d.digest} has no layer`)
    return { digest: d.digest, manifest, layer: craneBlob(image, layer.digest) }
  })
}

describe('run(): provenance and SBOMs as referrers of a clean two-platform index', () => {
  it('without an OIDC token: unsigned provenance with a warning, an SPDX SBOM per platform', async () => {
    const image = `${env.registry}/${uniqueRepo('run-attest')}`
    const { outputs, summaries, warnings } = await publish(image, ['--sbom', 'true'], {})

    const index = rawManifest(`${image}:v1`)
    expect(sha256(index.body)).toBe(outputs.digest)
    const platforms = (index.json.manifests ?? []).map(m => `${m.platform?.os}/${m.platform?.architecture}`)
    expect(platforms.sort()).toEqual(['linux/amd64', 'linux/arm64'])
    expect(warnings.join('\n')).toContain('Provenance and SBOMs are published unsigned')

    const platformDigests = JSON.parse(outputs['platform-digests'] ?? '{}') as Record<string, string>
    const served = [outputs.digest, platformDigests['linux/amd64'], platformDigests['linux/arm64']]
    const onIndex = referrersOf(image, String(outputs.digest))
    expect(onIndex.map(r => r.manifest.artifactType)).toEqual(['application/vnd.in-toto+json'])
    const provenance = JSON.parse(String(onIndex[0]?.layer)) as InToto
    expect(provenance.predicateType).toBe('https://slsa.dev/provenance/v1')
    expect(provenance.subject.map(s => `sha256:${s.digest.sha256}`).sort()).toEqual([...served].sort())
    expect(provenance.subject.every(s => s.name === image)).toBe(true)
    const baseDigest = sha256(rawManifest(env.baseImage).body).slice(7)
    const deps = (provenance.predicate.buildDefinition as { resolvedDependencies: unknown[] })
      .resolvedDependencies as { uri: string; digest: Record<string, string> }[]
    expect(deps.find(d => d.uri.includes('base/busybox'))?.digest).toEqual({ sha256: baseDigest })

    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const digest = String(platformDigests[platform])
      const found = referrersOf(image, digest)
      for (const r of found) expect(r.manifest.subject?.digest).toBe(digest)
      const sbom = found
        .map(r => JSON.parse(String(r.layer)) as InToto)
        .find(s => s.predicateType.includes('spdx'))
      expect(sbom?.subject).toEqual([{ name: image, digest: { sha256: digest.slice(7) } }])
      const arch = platform.split('/')[1] ?? ''
      expect(JSON.stringify(sbom?.predicate)).toContain('pkg:npm/attest-probe@2.3.4')
      expect(JSON.stringify(sbom?.predicate)).toContain(arch)
    }
    const referrers = JSON.parse(outputs['attestation-digests'] ?? '{}') as Record<string, string>
    expect(referrers.index).toBe(onIndex[0]?.digest)
    expect(summaries.join('\n')).toContain('**unsigned**')
  }, 600000)

  it('with an OIDC token: signed, verifiable provenance recorded through the attestations API', async () => {
    const image = `${env.registry}/${uniqueRepo('run-attest-signed')}`
    api.requests.length = 0
    const signing = {
      ...oidcEnv(sigstore),
      PUBLISH_IMAGE_SIGSTORE_INSTANCE: 'public-good',
      PUBLISH_IMAGE_FULCIO_URL: sigstore.fulcioUrl,
      PUBLISH_IMAGE_REKOR_URL: sigstore.rekorUrl
    }
    const { outputs, summaries, warnings } = await publish(
      image,
      ['--provenance', 'mode=max,signing=required'],
      signing
    )
    expect(warnings.filter(w => /provenance|sign/i.test(w))).toEqual([])

    const digest = String(outputs.digest)
    const [stored, ...others] = referrersOf(image, digest)
    expect(others).toEqual([])
    expect(stored?.manifest.artifactType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json')
    const bundle: unknown = JSON.parse(String(stored?.layer))
    const statement = verifyProvenance(bundle, digest, { trustedRoot: sigstore.trustedRoot })
    const platformDigests = JSON.parse(outputs['platform-digests'] ?? '{}') as Record<string, string>
    verifyProvenance(bundle, String(platformDigests['linux/arm64']), { trustedRoot: sigstore.trustedRoot })
    expect(() =>
      verifyProvenance(bundle, `sha256:${'0'.repeat(64)}`, { trustedRoot: sigstore.trustedRoot })
    ).toThrow(/not about/)
    expect(JSON.stringify(statement.predicate)).toContain('"platforms":["linux/amd64","linux/arm64"]')

    const posts = api.requests.filter(r => r.method === 'POST')
    expect(posts.map(r => r.path)).toEqual(['/repos/acme/app/attestations'])
    expect((JSON.parse(posts[0]?.body ?? '{}') as { bundle?: unknown }).bundle).toEqual(bundle)
    expect(summaries.join('\n')).toContain(`gh attestation verify oci://${image}@${digest} -R acme/app`)
  }, 600000)

  it('a scan that fails pushes nothing: the SBOMs are made before the push', async () => {
    const image = `${env.registry}/${uniqueRepo('run-attest-scanfail')}`
    const dir = await mkdtemp(join(tmpdir(), 'fake-syft-'))
    const fake = join(dir, 'syft')
    await writeFile(
      fake,
      '#!/bin/sh\nif [ "$1" = version ]; then echo \'{"version":"1.57.1"}\'; exit 0; fi\necho "scan broke" >&2; exit 3\n'
    )
    await chmod(fake, 0o755)
    await expect(publish(image, ['--sbom', 'true'], {}, dir)).rejects.toThrow(/scan broke|syft/)
    expect(listTags(image)).toBe('NAME_UNKNOWN')
  }, 600000)
})
