import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BuildShape } from '../../../src/attest/build-parameters.js'
import { runContextFromEnv, type RunContext } from '../../../src/attest/context.js'
import {
  baseImagePurl,
  inTotoStatement,
  provenancePredicate,
  SLSA_PROVENANCE_V1,
  workflowOf
} from '../../../src/attest/statement.js'

const INDEX = `sha256:${'1'.repeat(64)}`
const AMD64 = `sha256:${'2'.repeat(64)}`
const ARM64 = `sha256:${'3'.repeat(64)}`

const RUN: RunContext = {
  serverUrl: 'https://github.com',
  apiUrl: 'https://api.github.com',
  repository: 'acme/app',
  repositoryId: '101',
  repositoryOwnerId: '202',
  repositoryVisibility: 'public',
  workflowRef: 'acme/app/.github/workflows/release.yml@refs/tags/v1.2.3',
  ref: 'refs/tags/v1.2.3',
  sha: 'abcdef0123456789abcdef0123456789abcdef01',
  eventName: 'push',
  runId: '555',
  runAttempt: '2',
  runnerEnvironment: 'github-hosted'
}

const SECRET_VALUE = 'hunter2-very-secret-value'
const REGISTRY_PASSWORD = 'registry-password-xyz'

const BUILD: BuildShape = {
  builder: 'buildx',
  platforms: ['linux/amd64', 'linux/arm64'],
  file: 'docker/Dockerfile',
  context: '.',
  target: 'runtime',
  buildArgs: [
    'VERSION=1.2.3',
    'NPM_TOKEN=npm_abcdef',
    `HARMLESS_NAME=${SECRET_VALUE}`,
    'GIT_URL=https://x-access-token:ghs_abcdefghijklmnopqrstuvwxyz0123@github.com/acme/lib.git',
    `MIRROR=prefix-${REGISTRY_PASSWORD}`,
    'PLAIN_JWT=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig'
  ],
  labels: ['org.opencontainers.image.title=app', `leaky=${SECRET_VALUE}`],
  // the ids of `secrets` (id=GIT_AUTH,src=…), `secret-envs` and `secret-files`; their contents are values
  secretIds: ['GIT_AUTH', 'AWS', 'npmrc'],
  secretValues: [SECRET_VALUE, REGISTRY_PASSWORD]
}

describe('inTotoStatement', () => {
  it('names the index and each platform manifest by the image name without tag, digests as {sha256}', () => {
    const statement = inTotoStatement(
      [
        { name: 'ghcr.io/acme/app', digest: INDEX },
        { name: 'ghcr.io/acme/app', digest: AMD64, platform: 'linux/amd64' },
        { name: 'ghcr.io/acme/app', digest: ARM64, platform: 'linux/arm64' },
        { name: 'ghcr.io/acme/app', digest: ARM64, platform: 'linux/arm64' }
      ],
      SLSA_PROVENANCE_V1,
      {}
    )
    expect(statement._type).toBe('https://in-toto.io/Statement/v1')
    expect(statement.subject).toEqual([
      { name: 'ghcr.io/acme/app', digest: { sha256: '1'.repeat(64) } },
      { name: 'ghcr.io/acme/app', digest: { sha256: '2'.repeat(64) } },
      { name: 'ghcr.io/acme/app', digest: { sha256: '3'.repeat(64) } }
    ])
  })

  it('refuses no subject and a malformed digest', () => {
    expect(() => inTotoStatement([], SLSA_PROVENANCE_V1, {})).toThrow(/at least one subject/)
    expect(() => inTotoStatement([{ name: 'x', digest: 'latest' }], SLSA_PROVENANCE_V1, {})).toThrow(
      /not a digest/
    )
  })
})

describe('provenancePredicate', () => {
  it('mode=min: GitHub workflow build type, the workflow, the run, the commit and base images', () => {
    const predicate = provenancePredicate({
      run: { ...RUN, jobWorkflowRef: 'acme/shared/.github/workflows/build.yml@refs/tags/v2' },
      mode: 'min',
      build: BUILD,
      baseImages: [
        { ref: 'alpine:3.20', digest: AMD64, platform: 'linux/amd64' },
        { ref: 'ghcr.io/acme/base@' + ARM64, digest: ARM64 }
      ]
    })
    expect(predicate).toEqual({
      buildDefinition: {
        buildType: 'https://actions.github.io/buildtypes/workflow/v1',
        externalParameters: {
          workflow: {
            ref: 'refs/tags/v1.2.3',
            repository: 'https://github.com/acme/app',
            path: '.github/workflows/release.yml'
          }
        },
        internalParameters: {
          github: {
            event_name: 'push',
            repository_id: '101',
            repository_owner_id: '202',
            runner_environment: 'github-hosted'
          }
        },
        resolvedDependencies: [
          {
            uri: 'git+https://github.com/acme/app@refs/tags/v1.2.3',
            digest: { gitCommit: 'abcdef0123456789abcdef0123456789abcdef01' }
          },
          { uri: 'pkg:docker/alpine@3.20?platform=linux%2Famd64', digest: { sha256: '2'.repeat(64) } },
          { uri: `pkg:docker/ghcr.io/acme/base@${ARM64}`, digest: { sha256: '3'.repeat(64) } }
        ]
      },
      runDetails: {
        builder: { id: 'https://github.com/acme/shared/.github/workflows/build.yml@refs/tags/v2' },
        metadata: { invocationId: 'https://github.com/acme/app/actions/runs/555/attempts/2' }
      }
    })
  })

  it('without a job workflow ref the builder is the workflow itself', () => {
    const predicate = provenancePredicate({ run: RUN, mode: 'min' }) as {
      runDetails: { builder: { id: string } }
    }
    expect(predicate.runDetails.builder.id).toBe(
      'https://github.com/acme/app/.github/workflows/release.yml@refs/tags/v1.2.3'
    )
  })

  it('mode=max adds the build parameters under internalParameters (external ones stay verifiable)', () => {
    const predicate = provenancePredicate({ run: RUN, mode: 'max', build: BUILD }) as {
      buildDefinition: { externalParameters: unknown; internalParameters: { build: unknown } }
    }
    expect(Object.keys(predicate.buildDefinition.externalParameters as object)).toEqual(['workflow'])
    expect(predicate.buildDefinition.internalParameters.build).toEqual({
      builder: 'buildx',
      platforms: ['linux/amd64', 'linux/arm64'],
      dockerfile: 'docker/Dockerfile',
      context: '.',
      target: 'runtime',
      buildArgs: [
        { name: 'VERSION', value: '1.2.3' },
        { name: 'NPM_TOKEN', withheld: true },
        { name: 'HARMLESS_NAME', withheld: true },
        { name: 'GIT_URL', withheld: true },
        { name: 'MIRROR', withheld: true },
        { name: 'PLAIN_JWT', withheld: true }
      ],
      labels: [
        { name: 'org.opencontainers.image.title', value: 'app' },
        { name: 'leaky', withheld: true }
      ],
      secretIds: ['GIT_AUTH', 'AWS', 'npmrc']
    })
  })

  it('mode=max never carries a secret: build secrets, secret-looking args, known secret values', () => {
    const text = JSON.stringify(provenancePredicate({ run: RUN, mode: 'max', build: BUILD }))
    for (const leak of [SECRET_VALUE, REGISTRY_PASSWORD, 'npm_abcdef', 'ghs_abcdefghij', 'eyJhbGci']) {
      expect(text).not.toContain(leak)
    }
  })

  it('mode=max strips credentials from a context URL and shows a default Dockerfile path', () => {
    const predicate = provenancePredicate({
      run: RUN,
      mode: 'max',
      build: { ...BUILD, file: '', context: 'https://user:pat123@github.com/acme/app.git#main' }
    }) as { buildDefinition: { internalParameters: { build: { context: string; dockerfile: string } } } }
    const build = predicate.buildDefinition.internalParameters.build
    expect(build.context).toBe('https://github.com/acme/app.git#main')
    expect(build.dockerfile).toBe('Dockerfile')
    expect(JSON.stringify(predicate)).not.toContain('pat123')
  })

  it('mode=min records no build parameters even when given them', () => {
    const text = JSON.stringify(provenancePredicate({ run: RUN, mode: 'min', build: BUILD }))
    expect(text).not.toContain('VERSION')
    expect(text).not.toContain('GIT_AUTH')
  })
})

describe('workflowOf', () => {
  it('splits GITHUB_WORKFLOW_REF into path and ref; a missing @ falls back to GITHUB_REF', () => {
    expect(
      workflowOf({ ...RUN, workflowRef: 'acme/app/.github/workflows/ci.yml@refs/pull/7/merge' })
    ).toEqual({
      ref: 'refs/pull/7/merge',
      repository: 'https://github.com/acme/app',
      path: '.github/workflows/ci.yml'
    })
    expect(workflowOf({ ...RUN, workflowRef: 'acme/app/.github/workflows/ci.yml' }).ref).toBe(
      'refs/tags/v1.2.3'
    )
  })
})

describe('baseImagePurl', () => {
  it('writes purls as BuildKit does', () => {
    const digest = AMD64
    expect(baseImagePurl({ ref: 'docker.io/library/node:22', digest })).toBe('pkg:docker/node@22')
    expect(baseImagePurl({ ref: 'localhost:5000/base', digest })).toBe(
      'pkg:docker/localhost:5000/base@latest'
    )
    expect(baseImagePurl({ ref: 'ghcr.io/o/b:1', digest, platform: 'linux/arm/v7' })).toBe(
      'pkg:docker/ghcr.io/o/b@1?platform=linux%2Farm%2Fv7'
    )
  })
})

describe('runContextFromEnv', () => {
  it('reads the run from GITHUB_* variables and the visibility from the event payload', () => {
    const dir = mkdtempSync(join(tmpdir(), 'attest-'))
    const event = join(dir, 'event.json')
    writeFileSync(event, JSON.stringify({ repository: { visibility: 'private' } }))
    const run = runContextFromEnv({
      GITHUB_EVENT_PATH: event,
      GITHUB_SERVER_URL: 'https://acme.ghe.com/',
      GITHUB_API_URL: 'https://api.acme.ghe.com',
      GITHUB_REPOSITORY: 'acme/app',
      GITHUB_REPOSITORY_ID: '1',
      GITHUB_REPOSITORY_OWNER_ID: '2',
      GITHUB_WORKFLOW_REF: 'acme/app/.github/workflows/a.yml@refs/heads/main',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: 'abc',
      GITHUB_EVENT_NAME: 'workflow_dispatch',
      GITHUB_RUN_ID: '9',
      RUNNER_ENVIRONMENT: 'self-hosted'
    })
    expect(run).toEqual({
      serverUrl: 'https://acme.ghe.com',
      apiUrl: 'https://api.acme.ghe.com',
      repository: 'acme/app',
      repositoryId: '1',
      repositoryOwnerId: '2',
      repositoryVisibility: 'private',
      workflowRef: 'acme/app/.github/workflows/a.yml@refs/heads/main',
      ref: 'refs/heads/main',
      sha: 'abc',
      eventName: 'workflow_dispatch',
      runId: '9',
      runAttempt: '1',
      runnerEnvironment: 'self-hosted'
    })
  })
})
