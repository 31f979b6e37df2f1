import { describe, expect, it } from '@jest/globals'
import {
  buildShapeFromInputs,
  imageSubjects,
  repositoryOf,
  verifyCommand
} from '../../../src/attest/wiring.js'
import { provenancePredicate } from '../../../src/attest/statement.js'
import { runContextFromEnv } from '../../../src/attest/context.js'
import { NO_EXTRA_INPUTS } from '../../../src/inputs/extras.js'

const INDEX = `sha256:${'1'.repeat(64)}`
const AMD64 = `sha256:${'2'.repeat(64)}`
const ARM64 = `sha256:${'3'.repeat(64)}`

describe('imageSubjects', () => {
  it('the index and each platform manifest, per repository, tags and digests dropped', () => {
    expect(
      imageSubjects(['ghcr.io/acme/app:1.0', 'ghcr.io/acme/app:latest', 'localhost:5000/app:1.0'], INDEX, {
        'linux/amd64': AMD64,
        'linux/arm64': ARM64
      })
    ).toEqual([
      { name: 'ghcr.io/acme/app', digest: INDEX },
      { name: 'ghcr.io/acme/app', digest: AMD64, platform: 'linux/amd64' },
      { name: 'ghcr.io/acme/app', digest: ARM64, platform: 'linux/arm64' },
      { name: 'localhost:5000/app', digest: INDEX },
      { name: 'localhost:5000/app', digest: AMD64, platform: 'linux/amd64' },
      { name: 'localhost:5000/app', digest: ARM64, platform: 'linux/arm64' }
    ])
  })

  it('a single-platform image is one subject (its manifest is the digest)', () => {
    expect(imageSubjects(['ghcr.io/acme/app'], AMD64, { 'linux/amd64': AMD64 })).toEqual([
      { name: 'ghcr.io/acme/app', digest: AMD64 }
    ])
  })

  it('repositoryOf keeps a registry port', () => {
    expect(repositoryOf('localhost:5000/a/b')).toBe('localhost:5000/a/b')
    expect(repositoryOf(`ghcr.io/a/b:v1@${INDEX}`)).toBe('ghcr.io/a/b')
  })
})

describe('buildShapeFromInputs', () => {
  it('lists the registry password, the token and secret-env values as secrets, so mode=max withholds them', () => {
    const shape = buildShapeFromInputs(
      {
        platforms: ['linux/amd64'],
        file: '',
        context: '.',
        target: '',
        buildArgs: ['A=registry-pass-123', 'B=tok-ghs-456', 'C=from-env-789', 'D=fine'],
        labels: [],
        secrets: [],
        password: 'registry-pass-123',
        githubToken: 'tok-ghs-456',
        extras: { ...NO_EXTRA_INPUTS, secretEnvs: ['npm=MY_NPM_VAR'], secretFiles: ['f=./x'] }
      },
      'buildah',
      { MY_NPM_VAR: 'from-env-789' }
    )
    expect(shape.secretValues).toEqual(['registry-pass-123', 'tok-ghs-456', 'from-env-789'])
    const text = JSON.stringify(
      provenancePredicate({ run: runContextFromEnv({}), mode: 'max', build: shape })
    )
    for (const secret of shape.secretValues) expect(text).not.toContain(secret)
    expect(text).toContain('"name":"D","value":"fine"')
    expect(text).toContain('"secretIds":["npm","f"]')
  })
})

describe('verifyCommand', () => {
  it('names the image by digest and the repository', () => {
    expect(verifyCommand({ name: 'ghcr.io/acme/app', digest: INDEX }, 'acme/app')).toBe(
      `gh attestation verify oci://ghcr.io/acme/app@${INDEX} -R acme/app`
    )
  })
})
