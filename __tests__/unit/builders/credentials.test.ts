import { describe, expect, it } from '@jest/globals'
import { mkdir, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildahEnv, dockerEnv } from '../../../src/builders/credentials.js'
import { request, withTempDir, withUmask022 } from './helpers.js'

withUmask022()

describe('builder credentials', () => {
  it('gives docker a private config: the caller credentials, the user plugins, the user config untouched', async () => {
    await withTempDir(async dir => {
      const user = join(dir, 'user-docker')
      await mkdir(join(user, 'cli-plugins'), { recursive: true })
      const userConfig = '{"auths":{"x":{"auth":"dXNlcjpwYXNz"}},"currentContext":"ctx"}'
      await writeFile(join(user, 'config.json'), userConfig)
      const caller = join(dir, 'private')
      await mkdir(caller)
      await writeFile(join(caller, 'config.json'), '{"auths":{"ghcr.io":{"auth":"Zm9vOmJhcg=="}}}')
      const work = join(dir, 'work')
      await mkdir(work)
      const req = request({
        workDir: work,
        env: { DOCKER_CONFIG: user },
        registryAuth: { dockerConfigDir: caller }
      })
      const { env, cleanup } = await dockerEnv(req, { buildxStore: true })
      const privateDir = env.DOCKER_CONFIG as string
      expect(privateDir).toBe(join(work, 'docker-config'))
      const written = JSON.parse(await readFile(join(privateDir, 'config.json'), 'utf8'))
      expect(written).toEqual({ auths: { 'ghcr.io': { auth: 'Zm9vOmJhcg==' } }, currentContext: 'ctx' })
      expect((await stat(join(privateDir, 'config.json'))).mode & 0o777).toBe(0o600)
      expect((await stat(privateDir)).mode & 0o777).toBe(0o700)
      expect(await readlink(join(privateDir, 'cli-plugins'))).toBe(join(user, 'cli-plugins'))
      // Builders created through the private config land in the user's store (where post looks).
      expect(await readlink(join(privateDir, 'buildx'))).toBe(join(user, 'buildx'))
      await cleanup()
      expect((await stat(join(user, 'buildx'))).isDirectory()).toBe(true)
      await expect(stat(privateDir)).rejects.toThrow()
      expect(await readFile(join(user, 'config.json'), 'utf8')).toBe(userConfig)
    })
  })
  it('creates no buildx store in the user config dir for the docker builder', async () => {
    await withTempDir(async dir => {
      const user = join(dir, 'user')
      const caller = join(dir, 'caller')
      await mkdir(user)
      await mkdir(caller)
      await writeFile(join(caller, 'config.json'), '{}')
      const work = join(dir, 'work')
      await mkdir(work)
      const req = request({
        workDir: work,
        env: { DOCKER_CONFIG: user },
        registryAuth: { dockerConfigDir: caller }
      })
      const { cleanup } = await dockerEnv(req)
      await cleanup()
      expect(await readdir(user)).toEqual([])
    })
  })
  it('leaves DOCKER_CONFIG alone without private credentials', async () => {
    const { env } = await dockerEnv(request({ env: { DOCKER_HOST: 'unix:///x.sock' } }))
    expect(env).toEqual({ DOCKER_HOST: 'unix:///x.sock' })
  })
  it('points buildah at the private auth file', () => {
    const env = buildahEnv(request({ registryAuth: { authFile: '/p/auth.json', dockerConfigDir: '/p' } }))
    expect(env).toEqual({ REGISTRY_AUTH_FILE: '/p/auth.json', DOCKER_CONFIG: '/p' })
  })
})
