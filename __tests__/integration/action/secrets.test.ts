import { beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { makeContext, pullImage, tarFiles, type PulledImage } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'

describe('dist/index.js with build secrets keeps them out of logs, outputs and layers', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-secrets')}`
  const tokenValue = `tok-${randomBytes(12).toString('hex')}`
  const fileValue = `file-${randomBytes(16).toString('hex')}`
  let run: ActionRun
  let pulled: PulledImage
  let files: Map<string, Buffer>

  beforeAll(async () => {
    // Secret files live outside the build context: the context must not carry them into a layer.
    const secrets = await makeContext({ 'secret.txt': fileValue })
    const context = await makeContext({
      Dockerfile: [
        `FROM ${env.baseImage}`,
        'RUN --mount=type=secret,id=token --mount=type=secret,id=file ' +
          'sh -c "cat /run/secrets/token | wc -c > /len && cat /run/secrets/file | wc -c > /file-len"',
        ''
      ].join('\n')
    })
    run = await runAction({
      cwd: context,
      env: { MY_SECRET: tokenValue },
      inputs: {
        registry: env.registry,
        images: image,
        tags: 'type=ref,event=branch',
        builder: 'buildah',
        secrets: `id=token,env=MY_SECRET\nid=file,src=${join(secrets, 'secret.txt')}`,
        password: ''
      }
    })
    if (run.exitCode === 0) {
      pulled = await pullImage(`${image}@${run.outputs.digest}`)
      files = new Map(pulled.layers.flatMap(l => [...tarFiles(l.tar)]))
    }
  }, 300000)

  it('succeeds, main and post', () => {
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(run.post?.exitCode).toBe(0)
    expect(run.leftovers).toEqual([])
  })

  it('mounted both secrets in the RUN step (the image records their lengths)', () => {
    expect(files.get('len')?.toString('utf8').trim()).toBe(String(tokenValue.length))
    expect(files.get('file-len')?.toString('utf8').trim()).toBe(String(fileValue.length))
  })

  it.each([
    ['the token (env=)', () => tokenValue],
    ['the file secret (src=)', () => fileValue]
  ])('never shows %s in stdout, stderr, outputs, summary or state', (_name, value) => {
    const texts = {
      stdout: run.stdout,
      stderr: run.stderr,
      summary: run.summary,
      postStdout: run.post?.stdout ?? '',
      postStderr: run.post?.stderr ?? '',
      ...run.outputs,
      ...run.state
    }
    const leaks = Object.entries(texts).filter(([, text]) => text.includes(value()))
    expect(leaks.map(([where]) => where)).toEqual([])
  })

  it.each([
    ['the token (env=)', () => tokenValue],
    ['the file secret (src=)', () => fileValue]
  ])('never puts %s in a pushed blob', (_name, value) => {
    expect(pulled.layers.length).toBeGreaterThan(0)
    const blobs = [pulled.manifest, pulled.config, ...pulled.layers.flatMap(l => [l.stored, l.tar])]
    expect(blobs.filter(b => b.includes(value())).length).toBe(0)
  })
})
