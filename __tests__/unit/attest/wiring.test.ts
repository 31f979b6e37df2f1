import { describe, expect, it } from '@jest/globals'
import { buildShapeOf, imageSubjects, repositoryOf, verifyCommand } from '../../../src/attest/wiring.js'
import { provenancePredicate } from '../../../src/attest/statement.js'
import { runContextFromEnv } from '../../../src/attest/context.js'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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

describe('buildShapeOf', () => {
  it('reads every build secret from its file or variable, so mode=max withholds args carrying them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shape-'))
    await writeFile(join(dir, 'npmrc'), '//registry.npmjs.org/:_authToken=npm-file-secret-123\n')
    const shape = await buildShapeOf(
      {
        platforms: ['linux/amd64'],
        file: '',
        context: '.',
        target: '',
        buildArgs: [
          'A=registry-pass-123',
          'B=tok-ghs-456',
          'C=from-env-789',
          'NPMRC_LINE=//registry.npmjs.org/:_authToken=npm-file-secret-123',
          'D=fine'
        ],
        // parsed `secrets` lines: `id=npm,env=MY_NPM_VAR` and `id=npmrc,src=<file>`
        secrets: [
          { id: 'npm', env: 'MY_NPM_VAR' },
          { id: 'npmrc', src: join(dir, 'npmrc') }
        ]
      },
      { labels: [], password: 'registry-pass-123', githubToken: 'tok-ghs-456' },
      'buildah',
      { MY_NPM_VAR: 'from-env-789' }
    )
    expect(shape.secretIds).toEqual(['npm', 'npmrc'])
    const text = JSON.stringify(
      provenancePredicate({ run: runContextFromEnv({}), mode: 'max', build: shape })
    )
    for (const secret of ['registry-pass-123', 'tok-ghs-456', 'from-env-789', 'npm-file-secret-123'])
      expect(text).not.toContain(secret)
    expect(text).toContain('"name":"D","value":"fine"')
    expect(text).toContain('"name":"NPMRC_LINE","withheld":true')
    expect(text).toContain('"secretIds":["npm","npmrc"]')
  })
})

describe('verifyCommand', () => {
  it('names the image by digest and the repository', () => {
    expect(verifyCommand({ name: 'ghcr.io/acme/app', digest: INDEX }, 'acme/app')).toBe(
      `gh attestation verify oci://ghcr.io/acme/app@${INDEX} -R acme/app`
    )
  })
})
