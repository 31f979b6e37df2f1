/** A dry run's plan lists the attestations the run would make: per subject, and how they would be signed. */
import { describe, expect, it } from '@jest/globals'
import { tmpdir } from 'node:os'
import { parseCli } from '../../../src/cli/args.js'
import { planRun } from '../../../src/plan.js'
import { planText } from '../../../src/report/write.js'

const WORKFLOW: NodeJS.ProcessEnv = {
  GITHUB_ACTIONS: 'true',
  GITHUB_REPOSITORY: 'acme/app',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_SERVER_URL: 'https://github.com',
  // Nothing listens there: the repository facts are left out, with a warning.
  GITHUB_API_URL: 'http://127.0.0.1:9',
  GITHUB_WORKSPACE: tmpdir()
}
const OIDC = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token'
}
const IMAGE = ['--image', 'ghcr.io/acme/app', '--tag', 'type=raw,value=v1', '--dry-run']
const quiet = { info: () => {}, warning: () => {}, debug: () => {} }

/** The plan's lines from `Attestations` on, for these flags in this environment. */
async function attestations(flags: string[], env: NodeJS.ProcessEnv = WORKFLOW): Promise<string[]> {
  const request = parseCli([...IMAGE, ...flags], env)
  if (request.help) throw new Error('unexpected --help')
  const text = planText(await planRun(request.inputs, env, quiet), 'buildah')
  const lines = text.split('\n')
  return lines.slice(lines.findIndex(l => l.startsWith('Attestations')))
}

describe('planText: the attestations a run would make', () => {
  it('two platforms, default provenance and an SBOM, no OIDC token: the index and each platform', async () => {
    expect(await attestations(['--platform', 'linux/amd64,linux/arm64', '--sbom', 'true'])).toEqual([
      'Attestations (OCI referrers, stored before any tag moves):',
      '  index: provenance mode=min',
      '  linux/amd64: provenance mode=min, SBOM spdx-json',
      '  linux/arm64: provenance mode=min, SBOM spdx-json',
      'Signing: signed if an OIDC token is available (signing=auto); this job cannot: published unsigned, with a warning'
    ])
  })

  it('a leg (push-by-digest) has no index; signing=required with a token says so', async () => {
    const flags = [
      '--platform',
      'linux/arm64',
      '--push-by-digest',
      '--provenance',
      'mode=max,signing=required'
    ]
    expect(await attestations(flags, { ...WORKFLOW, ...OIDC })).toEqual([
      'Attestations (OCI referrers, stored before any tag moves):',
      '  linux/arm64: provenance mode=max',
      "Signing: required: signed with the job's OIDC token (signing=required); this job can get one"
    ])
  })

  it('signing=required without a token: the run would fail before building', async () => {
    const lines = await attestations(['--provenance', 'signing=required'])
    expect(lines.at(-1)).toBe(
      "Signing: required: signed with the job's OIDC token (signing=required); this job cannot get one: the run would fail before building"
    )
  })

  it('SBOMs only (provenance false), signed under auto; signing=off publishes unsigned', async () => {
    const flags = ['--no-provenance', '--sbom', 'format=cyclonedx-json', '--platform', 'linux/amd64']
    expect(await attestations(flags, { ...WORKFLOW, ...OIDC })).toEqual([
      'Attestations (OCI referrers, stored before any tag moves):',
      '  linux/amd64: SBOM cyclonedx-json',
      'Signing: signed if an OIDC token is available (signing=auto); this job can get one'
    ])
    const off = await attestations(['--provenance', 'signing=off', '--platform', 'linux/amd64'])
    expect(off).toEqual([
      'Attestations (OCI referrers, stored before any tag moves):',
      '  linux/amd64: provenance mode=min',
      'Signing: off (signing=off): published unsigned'
    ])
  })

  it('a merge attests its index only', async () => {
    const digest = `sha256:${'a'.repeat(64)}`
    expect(await attestations(['--merge', '--digest', digest])).toEqual([
      'Attestations (OCI referrers, stored before any tag moves):',
      '  index: provenance mode=min',
      'Signing: signed if an OIDC token is available (signing=auto); this job cannot: published unsigned, with a warning'
    ])
  })

  it('none when nothing is pushed, or nothing is asked for (the CLI makes provenance only on request)', async () => {
    expect(await attestations(['--no-push', '--sbom', 'true'])).toEqual([
      'Attestations: none (nothing is pushed)'
    ])
    const { GITHUB_ACTIONS: _actions, ...cli } = WORKFLOW
    expect(await attestations([], cli)).toEqual(['Attestations: none'])
  })
})
