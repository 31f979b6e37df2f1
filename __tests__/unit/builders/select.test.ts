import { describe, expect, it } from '@jest/globals'
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseBuilderChoice, selectBuilder, startBuilderProbe } from '../../../src/builders/index.js'
import { findDockerClient } from '../../../src/builders/docker/client.js'
import { HostError } from '../../../src/builders/errors.js'
import {
  HERMETIC,
  fakeRunner,
  memoryLogger,
  request,
  withTempDir,
  withoutHostDockerConfig
} from './helpers.js'

withoutHostDockerConfig()

/** Two docker clients on PATH: a new one without buildx first, an old one with built-in BuildKit second. */
async function twoDockerClients(dir: string): Promise<{ newer: string; older: string; PATH: string }> {
  const paths = [join(dir, 'a'), join(dir, 'b')]
  for (const p of paths) {
    await mkdir(p)
    await writeFile(join(p, 'docker'), '')
    await chmod(join(p, 'docker'), 0o755)
  }
  return { newer: join(dir, 'a', 'docker'), older: join(dir, 'b', 'docker'), PATH: paths.join(':') }
}

/** An executable `cli-plugins/docker-buildx` in the docker config dir `dir`, and a `docker` in `dir/bin`. */
async function pluginIn(dir: string): Promise<string> {
  await mkdir(join(dir, 'cli-plugins'), { recursive: true })
  await mkdir(join(dir, 'bin'), { recursive: true })
  const plugin = join(dir, 'cli-plugins', 'docker-buildx')
  for (const file of [plugin, join(dir, 'bin', 'docker')]) {
    await writeFile(file, '')
    await chmod(file, 0o755)
  }
  return plugin
}

describe('selectBuilder', () => {
  it('auto picks buildx when `docker buildx version` works', async () => {
    const { run } = fakeRunner((cmd, args) => {
      if (args.join(' ') === 'buildx version') return 'github.com/docker/buildx v0.24.0 d0e5e86\n'
      throw new Error('unexpected')
    })
    const logger = memoryLogger()
    const { builder, reason } = await selectBuilder('auto', logger, {}, run, HERMETIC)
    expect(builder.name).toBe('buildx')
    expect(reason).toContain('docker buildx 0.24.0')
    expect(logger.lines.join('\n')).toContain('builder: buildx')
  })
  it('asks the buildx plugin docker would run its version, once for the install check and the probe, and nothing else', async () => {
    await withTempDir(async dir => {
      const plugin = await pluginIn(dir)
      const { run, calls } = fakeRunner((cmd, args) => {
        if (cmd === plugin && args.join(' ') === 'version')
          return `github.com/docker/buildx v0.38.2 d0e5e86\n`
        throw new Error('unexpected')
      })
      const options = {
        ...HERMETIC,
        buildxRelease: { version: '0.38.2', downloadUrl: 'http://127.0.0.1:9/buildx' }
      }
      const env = { DOCKER_CONFIG: dir, PATH: join(dir, 'bin') }
      const { builder, reason } = await selectBuilder('buildx', memoryLogger(), env, run, options)
      expect(builder.name).toBe('buildx')
      expect(reason).toBe(`asked for; found buildx 0.38.2 (the docker plugin ${plugin}, run itself)`)
      expect(calls.map(c => `${c.cmd} ${c.args.join(' ')}`)).toEqual([`${plugin} version`])
      // Run standalone: with the variable docker sets for its plugins, buildx would expect `buildx` first.
      expect(calls[0]?.options.env?.DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND).toBe('')
    })
  })
  it('asks `docker buildx version` where no plugin answers as buildx 0.23+, or there is no docker client', async () => {
    await withTempDir(async dir => {
      const PATH = join(dir, 'bin')
      const cases: Array<[string | undefined, string, Record<string, string>]> = [
        [undefined, 'no plugin', { DOCKER_CONFIG: join(dir, 'elsewhere'), PATH }],
        ['', 'a plugin that fails', { DOCKER_CONFIG: dir, PATH }],
        ['Usage: something else 0.40.1\n', 'not buildx', { DOCKER_CONFIG: dir, PATH }],
        ['github.com/docker/buildx v0.22.0 abc\n', 'older than 0.23.0', { DOCKER_CONFIG: dir, PATH }],
        ['github.com/docker/buildx v0.38.2 abc\n', 'no docker client', { DOCKER_CONFIG: dir, PATH: dir }]
      ]
      const plugin = await pluginIn(dir)
      for (const [answer, what, env] of cases) {
        const { run, calls } = fakeRunner((cmd, args) => {
          if (args.join(' ') === 'buildx version') return 'github.com/docker/buildx v0.22.0 d0e5e86\n'
          if (cmd === plugin && answer) return answer
          throw new Error('exec format error')
        })
        const { reason } = await selectBuilder('buildx', memoryLogger(), env, run, HERMETIC)
        const asked = calls.map(c => c.cmd)
        const pluginAsked = answer !== undefined && what !== 'no docker client'
        const docker = what === 'older than 0.23.0' ? [] : ['docker']
        expect([what, reason, asked]).toEqual([
          what,
          'asked for; found docker buildx 0.22.0',
          pluginAsked ? [plugin, ...docker] : ['docker']
        ])
      }
    })
  })
  it('runs buildx 0.23.0, the first that reads the docker client environment standalone, itself', async () => {
    await withTempDir(async dir => {
      const plugin = await pluginIn(dir)
      const { run } = fakeRunner(cmd => {
        if (cmd === plugin) return 'github.com/docker/buildx v0.23.0 abc\n'
        throw new Error('unexpected')
      })
      const env = { DOCKER_CONFIG: dir, PATH: join(dir, 'bin') }
      const { reason } = await selectBuilder('buildx', memoryLogger(), env, run, HERMETIC)
      expect(reason).toBe(`asked for; found buildx 0.23.0 (the docker plugin ${plugin}, run itself)`)
    })
  })
  it('starts asking buildx its version before the selection (auto), which then finds the answer', async () => {
    await withTempDir(async dir => {
      const plugin = await pluginIn(dir)
      const { run, calls } = fakeRunner((cmd, args) => {
        if (cmd === plugin && args.join(' ') === 'version')
          return 'github.com/docker/buildx v0.38.2 d0e5e86\n'
        if (cmd === 'buildah') return 'Version: 1.28.2\n'
        throw new Error('unexpected')
      })
      const env = { PATH: join(dir, 'bin'), DOCKER_CONFIG: dir }
      const probing = startBuilderProbe('auto', env, run, [])
      // The probe looks the plugin up first (files only), then asks it: wait for the question.
      for (let waited = 0; calls.length === 0 && waited < 5000; waited += 10)
        await new Promise(resolve => setTimeout(resolve, 10))
      expect(calls.map(c => `${c.cmd} ${c.args.join(' ')}`)).toEqual([`${plugin} version`])
      const { builder, reason } = await selectBuilder('auto', memoryLogger(), env, probing, HERMETIC)
      expect(builder.name).toBe('buildx')
      expect(reason).toBe(`auto: found buildx 0.38.2 (the docker plugin ${plugin}, run itself)`)
      expect(calls).toHaveLength(1)
      // docker: nothing worth asking early.
      startBuilderProbe('docker', env, run, [])
      await new Promise(resolve => setTimeout(resolve, 50))
      expect(calls).toHaveLength(1)
    })
  })
  it('starts asking buildah its version when buildah is asked for; selection and build find the answer', async () => {
    const { run, calls } = fakeRunner((cmd, args) => {
      if (cmd === 'buildah' && args[0] === 'version') return 'Version:         1.28.2\n'
      throw new Error('build fails here')
    })
    const env = { PATH: '/usr/bin' }
    const probing = startBuilderProbe('buildah', env, run, [])
    expect(calls.map(c => `${c.cmd} ${c.args.join(' ')}`)).toEqual(['buildah version'])
    const { builder, reason } = await selectBuilder('buildah', memoryLogger(), env, probing, HERMETIC)
    expect(reason).toContain('found buildah 1.28.2')
    await withTempDir(async workDir => {
      await expect(builder.build(request({ workDir }), memoryLogger())).rejects.toThrow('build fails here')
    })
    expect(calls.filter(c => c.args[0] === 'version')).toHaveLength(1)
  })
  it('hands buildah the version it found: the build does not ask again', async () => {
    const { run, calls } = fakeRunner((cmd, args) => {
      if (cmd === 'buildah' && args[0] === 'version') return 'Version:         1.28.2\n'
      throw new Error('build fails here')
    })
    const { builder } = await selectBuilder('buildah', memoryLogger(), {}, run, HERMETIC)
    await withTempDir(async workDir => {
      await expect(builder.build(request({ workDir }), memoryLogger())).rejects.toThrow('build fails here')
    })
    expect(calls.filter(c => c.args[0] === 'version')).toHaveLength(1)
    expect(calls.some(c => c.args[0] === 'build')).toBe(true)
  })
  it('auto falls back to buildah and says why', async () => {
    const { run } = fakeRunner((cmd, args) => {
      if (cmd === 'buildah' && args[0] === 'version') return 'Version:         1.28.2\nGo Version: go1.19\n'
      throw new Error("docker: 'buildx' is not a docker command.")
    })
    const { builder, reason } = await selectBuilder('auto', memoryLogger(), {}, run, HERMETIC)
    expect(builder.name).toBe('buildah')
    expect(reason).toContain(
      "buildx unavailable (docker buildx version exited with code 1: docker: 'buildx' is not a docker command.)"
    )
    expect(reason).toContain('found buildah 1.28.2')
  })
  it('auto falls back to docker when neither buildx nor buildah runs', async () => {
    await withTempDir(async dir => {
      const { older, PATH } = await twoDockerClients(dir)
      const { run } = fakeRunner((cmd, args) => {
        if (cmd === older && args[0] === '--version') return 'Docker version 20.10.24+dfsg1, build 297e128'
        if (cmd === older && args[0] === 'version') return '20.10.24\n'
        throw new Error('not here')
      })
      const { builder, reason } = await selectBuilder('auto', memoryLogger(), { PATH }, run, HERMETIC)
      expect(builder.name).toBe('docker')
      expect(reason).toContain('docker engine 20.10.24')
    })
  })
  it('fails clearly, as a host problem, when buildx is asked for but missing', async () => {
    const { run } = fakeRunner(() => {
      throw new Error("docker: 'buildx' is not a docker command.")
    })
    const err = await selectBuilder('buildx', memoryLogger(), {}, run, HERMETIC).catch(e => e)
    expect(err).toBeInstanceOf(HostError)
    expect(err.message).toContain("builder 'buildx' was asked for but is unavailable")
    expect(err.message).toContain('install the buildx plugin')
  })
  it('fails when no builder is available at all', async () => {
    const { run } = fakeRunner(() => {
      throw new Error('nope')
    })
    const err = await selectBuilder('auto', memoryLogger(), { PATH: '/nonexistent' }, run, HERMETIC).catch(
      e => e
    )
    expect(err).toBeInstanceOf(HostError)
    expect(err.message).toContain('no builder is available')
  })
  it('rejects an unknown builder name', () => {
    expect(() => parseBuilderChoice('kaniko')).toThrow("input 'builder': unknown builder 'kaniko'")
    expect(parseBuilderChoice(' BuildAH ')).toBe('buildah')
    expect(parseBuilderChoice('')).toBe('auto')
  })
})

describe('findDockerClient', () => {
  it('prefers a later client with BuildKit over an earlier one without buildx', async () => {
    await withTempDir(async dir => {
      const { newer, older, PATH } = await twoDockerClients(dir)
      const { run } = fakeRunner((cmd, args) => {
        if (args[0] === '--version')
          return cmd === newer ? 'Docker version 28.2.2, build e6534b4' : 'Docker version 20.10.24'
        throw new Error('unknown command: docker buildx')
      })
      const { client, reason } = await findDockerClient({ PATH }, run)
      expect(client).toEqual({ path: older, version: '20.10.24', mode: 'buildkit' })
      expect(reason).toContain(`skipped ${newer} 28.2.2 (no buildx plugin)`)
    })
  })
  it('falls back to the classic builder and says so', async () => {
    await withTempDir(async dir => {
      const { newer, PATH } = await twoDockerClients(dir)
      const { run } = fakeRunner((cmd, args) => {
        if (args[0] === '--version') return 'Docker version 28.2.2, build e6534b4'
        throw new Error('no buildx')
      })
      const { client, reason } = await findDockerClient({ PATH }, run)
      expect(client.path).toBe(newer)
      expect(client.mode).toBe('classic')
      expect(reason).toContain('classic builder')
    })
  })
  it('uses buildx when docker ≥ 23 has the plugin', async () => {
    await withTempDir(async dir => {
      const { newer, PATH } = await twoDockerClients(dir)
      const { run } = fakeRunner((cmd, args) => {
        if (args[0] === '--version') return 'Docker version 28.2.2, build e6534b4'
        if (cmd === newer) return 'github.com/docker/buildx v0.24.0 abc'
        throw new Error('no buildx')
      })
      const { client } = await findDockerClient({ PATH }, run)
      expect(client).toEqual({ path: newer, version: '28.2.2', mode: 'buildx', buildxVersion: '0.24.0' })
    })
  })
})
