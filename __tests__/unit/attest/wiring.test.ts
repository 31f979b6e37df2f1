import { describe, expect, it } from '@jest/globals'
import { buildShapeOf } from '../../../src/attest/wiring.js'
import { provenancePredicate } from '../../../src/attest/statement.js'
import { runContextFromEnv } from '../../../src/attest/context.js'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

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
