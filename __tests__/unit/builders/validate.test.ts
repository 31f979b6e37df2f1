import { describe, expect, it } from '@jest/globals'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { validateBuildRequest, type BuildRequest } from '../../../src/builders/index.js'
import type { BuilderName } from '../../../src/inputs/types.js'
import { InputError } from '../../../src/inputs/errors.js'
import { fakeRunner, request, withTempDir } from './helpers.js'

async function project(
  dir: string,
  dockerfile = 'FROM base AS build\nFROM base AS final\n'
): Promise<BuildRequest> {
  const context = join(dir, 'ctx')
  await mkdir(context)
  await writeFile(join(context, 'Dockerfile'), dockerfile)
  await writeFile(join(dir, 'secret'), 's3cret')
  return request({ context, file: join(context, 'Dockerfile'), workDir: dir })
}

const noDocker = fakeRunner(() => {
  throw new Error('docker must not be probed')
}).run

async function inputOf(req: BuildRequest, builder: BuilderName = 'buildah', run = noDocker): Promise<string> {
  const err = await validateBuildRequest(req, builder, run).then(
    () => undefined,
    (e: unknown) => e
  )
  if (!(err instanceof InputError)) throw new Error(`expected an InputError, got ${String(err)}`)
  return `${err.input}: ${err.message}`
}

describe('validateBuildRequest', () => {
  it('accepts a sound request', async () => {
    await withTempDir(async dir => {
      const req = await project(dir)
      const ok = {
        ...req,
        target: 'final',
        secrets: [{ id: 's', src: join(dir, 'secret') }],
        platforms: ['linux/arm64']
      }
      await expect(validateBuildRequest(ok, 'buildah', noDocker)).resolves.toBeUndefined()
    })
  })
  it.each<[string, (req: BuildRequest, dir: string) => BuildRequest, string]>([
    ['a missing Dockerfile', req => ({ ...req, file: `${req.file}.nope` }), 'file: '],
    ['a missing context', req => ({ ...req, context: '/does/not/exist' }), 'context: '],
    [
      'an unknown target',
      req => ({ ...req, target: 'tests' }),
      "target: input 'target': stage 'tests' is not in"
    ],
    ['a bad build-arg', req => ({ ...req, buildArgs: ['=oops'] }), 'build-args: '],
    ['a bad platform', req => ({ ...req, platforms: ['linux/amd64/v3/x'] }), 'platforms: '],
    ['a non-linux platform for buildah', req => ({ ...req, platforms: ['windows/amd64'] }), 'platforms: '],
    [
      'an unreadable secret file',
      (req, dir) => ({ ...req, secrets: [{ id: 's', src: join(dir, 'none') }] }),
      'secrets: '
    ],
    [
      'an unset secret variable',
      req => ({ ...req, secrets: [{ id: 's', env: 'SURELY_UNSET_VAR_123' }] }),
      'secrets: '
    ],
    ['two buildah cache sources', req => ({ ...req, cacheFrom: ['a/b', 'c/d'] }), 'cache-from: '],
    ['a gha cache for buildah', req => ({ ...req, cacheTo: ['type=gha'] }), 'cache-to: ']
  ])('rejects %s before building, naming the input', async (_, change, expected) => {
    await withTempDir(async dir => {
      expect(await inputOf(change(await project(dir), dir), 'buildah')).toContain(expected)
    })
  })
  it('skips the target check when stage names come from ARGs', async () => {
    await withTempDir(async dir => {
      const req = await project(dir, 'ARG S=x\nFROM base AS ${S}\n')
      await expect(
        validateBuildRequest({ ...req, target: 'x' }, 'buildah', noDocker)
      ).resolves.toBeUndefined()
    })
  })
  describe('with the docker builder', () => {
    async function dockerOnPath(dir: string): Promise<string> {
      await mkdir(join(dir, 'bin'))
      await writeFile(join(dir, 'bin', 'docker'), '')
      await chmod(join(dir, 'bin', 'docker'), 0o755)
      return join(dir, 'bin')
    }
    const classic = fakeRunner((cmd, args) => {
      if (args[0] === '--version') return 'Docker version 28.2.2, build e6534b4'
      throw new Error('no buildx')
    }).run
    it('rejects secrets when only the classic builder is available', async () => {
      await withTempDir(async dir => {
        const req = await project(dir)
        const env = { PATH: await dockerOnPath(dir) }
        const withSecret = { ...req, env, secrets: [{ id: 's', src: join(dir, 'secret') }] }
        expect(await inputOf(withSecret, 'docker', classic)).toContain('secrets: ')
        await expect(validateBuildRequest({ ...req, env }, 'docker', classic)).resolves.toBeUndefined()
      })
    })
    it('rejects foreign platforms with the classic builder, which can silently build the wrong one', async () => {
      await withTempDir(async dir => {
        const req = { ...(await project(dir)), env: { PATH: await dockerOnPath(dir) } }
        const foreign = process.arch === 'arm64' ? 'linux/amd64' : 'linux/arm64'
        expect(await inputOf({ ...req, platforms: [foreign] }, 'docker', classic)).toContain('platforms: ')
      })
    })
    it('rejects cache-to and typed cache-from without buildx', async () => {
      await withTempDir(async dir => {
        const req = { ...(await project(dir)), env: { PATH: await dockerOnPath(dir) } }
        expect(await inputOf({ ...req, cacheTo: ['type=inline'] }, 'docker', classic)).toContain('cache-to: ')
        expect(await inputOf({ ...req, cacheFrom: ['type=registry,ref=x'] }, 'docker', classic)).toContain(
          'cache-from: '
        )
        await expect(
          validateBuildRequest({ ...req, cacheFrom: ['r/app:cache'] }, 'docker', classic)
        ).resolves.toBeUndefined()
      })
    })
  })
})
