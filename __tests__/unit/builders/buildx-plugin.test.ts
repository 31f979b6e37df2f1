import { describe, expect, it } from '@jest/globals'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { buildxCommand, findBuildxPlugin } from '../../../src/builders/buildx/plugin.js'
import { withTempDir } from './helpers.js'

async function plugin(dir: string, mode = 0o755): Promise<string> {
  await mkdir(dir, { recursive: true })
  const file = join(dir, 'docker-buildx')
  await writeFile(file, '')
  await chmod(file, mode)
  return file
}

// docker's plugin lookup is its Linux one; elsewhere the action asks `docker buildx` (none is looked up).
const onLinux = process.platform === 'linux' ? it : it.skip

describe('findBuildxPlugin: the plugin docker would run', () => {
  onLinux(
    'takes the first that exists: cliPluginsExtraDirs, the config dir, then the system dirs',
    async () => {
      await withTempDir(async dir => {
        const config = join(dir, 'config')
        const system = [join(dir, 'usr-local-lib'), join(dir, 'usr-libexec')]
        const env = { DOCKER_CONFIG: config }
        expect(await findBuildxPlugin(env, system)).toBeUndefined()
        const inSystem = await plugin(system[1]!)
        expect(await findBuildxPlugin(env, system)).toBe(inSystem)
        const inConfig = await plugin(join(config, 'cli-plugins'))
        expect(await findBuildxPlugin(env, system)).toBe(inConfig)
        await writeFile(
          join(config, 'config.json'),
          JSON.stringify({ cliPluginsExtraDirs: [join(dir, 'extra')] })
        )
        // docker stops at the first that exists, runnable or not (it then reports that one as invalid).
        const extra = await plugin(join(dir, 'extra'), 0o644)
        expect(await findBuildxPlugin(env, system)).toBe(extra)
      })
    }
  )

  onLinux('takes the home directory’s .docker without DOCKER_CONFIG', async () => {
    await withTempDir(async dir => {
      const found = await plugin(join(dir, '.docker', 'cli-plugins'))
      expect(await findBuildxPlugin({ HOME: dir, DOCKER_CONFIG: '' }, [])).toBe(found)
    })
  })
})

describe('buildxCommand', () => {
  it('is `docker buildx …` without a plugin, the plugin with the rest of the arguments and standalone otherwise', () => {
    expect(() => buildxCommand(undefined, ['build', '.'], {})).toThrow('not a docker buildx command: build .')
    const env = { A: '1' }
    expect(buildxCommand(undefined, ['buildx', 'build', '.'], env)).toEqual({
      cmd: 'docker',
      args: ['buildx', 'build', '.'],
      env
    })
    expect(buildxCommand('/p/docker-buildx', ['buildx', 'build', '.'], env)).toEqual({
      cmd: '/p/docker-buildx',
      args: ['build', '.'],
      env: { A: '1', DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: '' }
    })
  })
})
