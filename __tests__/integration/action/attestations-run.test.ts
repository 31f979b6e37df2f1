/**
 * The step (src/main.ts run) with attestations fed through RunHooks.attest (the seam attestationsFor
 * hands to publish): a real two-platform buildah build, pushed to the real registry; outputs and
 * summary name the referrers, the tag points at a clean index.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import type { AttestationArtifact, AttestationSubject } from '../../../src/attest/types.js'
import { parseCli } from '../../../src/cli/args.js'
import { run } from '../../../src/main.js'
import type { Runtime } from '../../../src/runtime/types.js'
import { makeContext, rawManifest, sha256 } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'

function recordingRuntime() {
  const outputs: Record<string, string> = {}
  const summaries: string[] = []
  const log: string[] = []
  const rt: Runtime = {
    info: m => void log.push(m),
    warning: m => void log.push(`warning: ${m}`),
    debug: () => {},
    group: (_name, fn) => fn(),
    setOutput: (name, value) => void (outputs[name] = value),
    setSecret: () => {},
    saveState: () => {},
    writeSummary: async md => void summaries.push(md)
  }
  return { rt, outputs, summaries, log }
}

describe('run() with an attest hook stores the attestations and reports them', () => {
  const env = testEnv()

  it('attestation-digests and the summary name the referrers; the index lists only the platforms', async () => {
    const image = `${env.registry}/${uniqueRepo('run-attest')}`
    const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nCOPY Dockerfile /copied\n` })
    const request = parseCli(
      [
        ...['--builder', 'buildah', '--registry', env.registry, '--image', image],
        ...['--tag', 'type=raw,value=v1', '--platform', 'linux/amd64,linux/arm64', '--context', context],
        ...['--summary', '/dev/null']
      ],
      {}
    )
    if (!('inputs' in request) || !request.inputs) throw new Error('no inputs')
    const seen: AttestationSubject[][] = []
    const attest = async (subjects: AttestationSubject[]): Promise<AttestationArtifact[]> => {
      seen.push(subjects)
      const content = Buffer.from(
        JSON.stringify({
          _type: 'https://in-toto.io/Statement/v1',
          subject: subjects.map(s => ({ name: s.name, digest: { sha256: s.digest.slice(7) } })),
          predicateType: 'https://slsa.dev/provenance/v1',
          predicate: {}
        })
      )
      const artifact: AttestationArtifact = {
        kind: 'provenance',
        mediaType: 'application/vnd.in-toto+json',
        content,
        predicateType: 'https://slsa.dev/provenance/v1',
        subjects,
        signed: false
      }
      return [artifact]
    }
    const { rt, outputs, summaries } = recordingRuntime()
    const runEnv = {
      ...process.env,
      GITHUB_REPOSITORY: 'octo-org/hello-world',
      GITHUB_REPOSITORY_OWNER: 'octo-org',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_API_URL: 'http://127.0.0.1:9',
      RUNNER_TEMP: await mkdtemp(`${tmpdir()}/run-attest-`)
    }
    await run(request.inputs, rt, runEnv, new AbortController().signal, { attest })

    const index = rawManifest(`${image}:v1`)
    expect(sha256(index.body)).toBe(outputs.digest)
    expect(
      (index.json.manifests ?? []).map(m => `${m.platform?.os}/${m.platform?.architecture}`).sort()
    ).toEqual(['linux/amd64', 'linux/arm64'])
    const platformDigests = JSON.parse(outputs['platform-digests'] ?? '{}') as Record<string, string>
    expect(seen).toEqual([
      [
        { name: image, digest: outputs.digest },
        { name: image, digest: platformDigests['linux/amd64'], platform: 'linux/amd64' },
        { name: image, digest: platformDigests['linux/arm64'], platform: 'linux/arm64' }
      ]
    ])
    const referrers = JSON.parse(outputs['attestation-digests'] ?? '{}') as Record<string, string>
    expect(Object.keys(referrers).sort()).toEqual(['index', 'linux/amd64', 'linux/arm64'])
    for (const [subject, referrer] of Object.entries(referrers)) {
      const subjectDigest = subject === 'index' ? outputs.digest : platformDigests[subject]
      const stored = rawManifest(`${image}@${referrer}`).json as { subject?: { digest: string } }
      expect(stored.subject?.digest).toBe(subjectDigest)
      const fallback = rawManifest(`${image}:${String(subjectDigest).replace(':', '-')}`)
      expect((fallback.json.manifests ?? []).map(m => m.digest)).toEqual([referrer])
    }
    const summary = summaries.join('\n')
    expect(summary).toContain(`| index | provenance | \`${referrers.index}\` | **unsigned** |`)
    expect(summary).not.toContain('gh attestation verify oci:')
  }, 600000)
})
