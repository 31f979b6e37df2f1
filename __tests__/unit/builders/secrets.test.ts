import { describe, expect, it } from '@jest/globals'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseSecrets } from '../../../src/builders/index.js'
import { secretValues } from '../../../src/builders/options/secrets.js'
import { envSecretsToFiles } from '../../../src/builders/secret-files.js'
import { InputError } from '../../../src/inputs/errors.js'
import { withTempDir, withUmask022 } from './helpers.js'

withUmask022()

function failure(lines: string[]): InputError {
  try {
    parseSecrets(lines)
  } catch (err) {
    if (err instanceof InputError) return err
    throw err
  }
  throw new Error('parseSecrets accepted the lines')
}

describe('parseSecrets', () => {
  it('reads src= and env= lines, and buildx type= spellings', () => {
    expect(
      parseSecrets([
        'id=npm,src=/tmp/npmrc',
        '',
        'id=token,env=GH_TOKEN',
        'type=env,id=a,src=A_VAR',
        'type=file,id=b,source=/b'
      ])
    ).toEqual([
      { id: 'npm', src: '/tmp/npmrc' },
      { id: 'token', env: 'GH_TOKEN' },
      { id: 'a', env: 'A_VAR' },
      { id: 'b', src: '/b' }
    ])
  })
  it('rejects an inline KEY=VALUE line without echoing the value', () => {
    const err = failure(['GIT_AUTH_TOKEN=ghp_verysecretvalue'])
    expect(err.input).toBe('secrets')
    expect(err.message).toContain('line 1')
    expect(err.message).not.toContain('ghp_verysecretvalue')
  })
  it.each([
    ['id=a', 'exactly one of src= or env='],
    ['id=a,src=/x,env=B', 'exactly one of src= or env='],
    ['src=/x', 'id must be'],
    ['id=a,env=not a var', 'env= must name'],
    ['id=a,type=ssh,src=/x', "unknown type 'ssh'"]
  ])('rejects %p', (line, why) => {
    expect(failure([line]).message).toContain(why)
  })
  it('rejects an id given twice', () => {
    expect(failure(['id=a,src=/x', 'id=a,env=B']).message).toContain("'a' is given more than once")
  })
})

describe('secretValues', () => {
  it('collects file and env values, and each line of a multi-line value, for redaction', async () => {
    await withTempDir(async dir => {
      const file = join(dir, 's')
      await writeFile(file, 'line-one-secret\nline-two-secret\n')
      const values = await secretValues(
        [
          { id: 'f', src: file },
          { id: 'e', env: 'MY_SECRET' }
        ],
        { MY_SECRET: 'from-env-value' }
      )
      expect(values).toEqual(
        expect.arrayContaining([
          'line-one-secret',
          'line-two-secret',
          'from-env-value',
          'line-one-secret\nline-two-secret'
        ])
      )
    })
  })
})

describe('envSecretsToFiles', () => {
  it('writes env= secrets to files only the runner user reads (directory 0700, files 0600)', async () => {
    await withTempDir(async dir => {
      const secretDir = join(dir, 'secrets')
      const specs = await envSecretsToFiles(
        [
          { id: 'token', env: 'MY_TOKEN' },
          { id: 'kept', src: '/run/kept' }
        ],
        secretDir,
        { MY_TOKEN: 'env-secret-value' }
      )
      expect(specs).toEqual([
        { id: 'token', src: join(secretDir, 'token') },
        { id: 'kept', src: '/run/kept' }
      ])
      expect(await readFile(join(secretDir, 'token'), 'utf8')).toBe('env-secret-value')
      expect((await stat(secretDir)).mode & 0o777).toBe(0o700)
      expect((await stat(join(secretDir, 'token'))).mode & 0o777).toBe(0o600)
    })
  })
})
