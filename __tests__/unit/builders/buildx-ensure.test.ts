import { describe, expect, it } from '@jest/globals'
import { lstat, mkdir, readFile, readlink, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { selectBuilder } from '../../../src/builders/index.js'
import { ensureBuildx, type EnsureBuildx } from '../../../src/builders/buildx/ensure.js'
import { findBuildxPlugin } from '../../../src/builders/buildx/plugin.js'
import { ChecksumError, type BuildxRelease } from '../../../src/builders/buildx/install.js'
import { HostError } from '../../../src/builders/errors.js'
import { HERMETIC, fakeRunner, memoryLogger, withTempDir, withoutHostDockerConfig } from './helpers.js'

withoutHostDockerConfig()

const RELEASE: BuildxRelease = { version: '0.35.0', downloadUrl: 'http://127.0.0.1:1/buildx' }

/** docker is here; `docker buildx version` answers `buildx` (a version line) or fails when undefined. */
function docker(buildx: string | undefined) {
  return fakeRunner((cmd, args) => {
    if (cmd !== 'docker') throw new Error(`${cmd}: not found`)
    if (args[0] === '--version') return 'Docker version 28.2.2, build e6534b4\n'
    if (args.join(' ') === 'buildx version' && buildx) return `github.com/docker/buildx ${buildx} abc\n`
    throw new Error("docker: 'buildx' is not a docker command.")
  })
}

/** An installer that "installs" a plugin file in `dir` and records that it ran. */
function fakeInstall(dir: string) {
  const installed: BuildxRelease[] = []
  const install = async (release: BuildxRelease): Promise<string> => {
    installed.push(release)
    const plugin = join(dir, 'tool-cache', 'docker-buildx')
    await mkdir(join(dir, 'tool-cache'), { recursive: true })
    await writeFile(plugin, '#!/bin/sh\n')
    return plugin
  }
  return { install, installed }
}

describe('ensureBuildx', () => {
  it('installs the release when docker has no buildx plugin, in a private DOCKER_CONFIG', async () => {
    await withTempDir(async dir => {
      const user = join(dir, 'user-docker')
      await mkdir(user)
      await writeFile(join(user, 'config.json'), '{"currentContext":"ctx"}')
      const { install, installed } = fakeInstall(dir)
      const { run } = docker(undefined)
      const setup = await ensureBuildx(
        RELEASE,
        { DOCKER_CONFIG: user, RUNNER_TEMP: dir },
        run,
        memoryLogger(),
        install,
        []
      )
      expect(installed).toEqual([RELEASE])
      expect(setup?.note).toBe('installed buildx v0.35.0 for this run (the docker buildx plugin is missing)')
      const privateDir = setup?.dockerConfig ?? ''
      expect(setup?.env).toEqual({ DOCKER_CONFIG: privateDir })
      expect(privateDir.startsWith(join(dir, 'publish-image-docker-'))).toBe(true)
      expect(await readlink(join(privateDir, 'cli-plugins', 'docker-buildx'))).toBe(
        join(dir, 'tool-cache', 'docker-buildx')
      )
      expect(await readFile(join(privateDir, 'config.json'), 'utf8')).toBe('{"currentContext":"ctx"}')
      expect(await readlink(join(privateDir, 'buildx'))).toBe(join(user, 'buildx'))
    })
  })
  it('keeps a buildx in the user’s cliPluginsExtraDirs (searched first by docker) from shadowing the installed one', async () => {
    await withTempDir(async dir => {
      const user = join(dir, 'user-docker')
      const extra = join(dir, 'extra-plugins')
      await mkdir(user, { recursive: true })
      await mkdir(extra, { recursive: true })
      await writeFile(join(extra, 'docker-buildx'), '#!/bin/sh\n')
      const userConfig = { cliPluginsExtraDirs: [extra], auths: { 'quay.io': { auth: 'cm9ib3Q6cQ==' } } }
      await writeFile(join(user, 'config.json'), JSON.stringify(userConfig))
      const { install } = fakeInstall(dir)
      const setup = await ensureBuildx(
        RELEASE,
        { DOCKER_CONFIG: user, RUNNER_TEMP: dir },
        docker(undefined).run,
        memoryLogger(),
        install,
        []
      )
      const privateDir = setup?.dockerConfig ?? ''
      expect(await findBuildxPlugin({ DOCKER_CONFIG: privateDir }, [])).toBe(
        join(privateDir, 'cli-plugins', 'docker-buildx')
      )
      // A private copy (0600) without the extra dirs; the user's file is left as it was.
      const copy = join(privateDir, 'config.json')
      expect(JSON.parse(await readFile(copy, 'utf8'))).toEqual({ auths: userConfig.auths })
      expect((await lstat(copy)).isSymbolicLink()).toBe(false)
      expect((await stat(copy)).mode & 0o777).toBe(0o600)
      expect(JSON.parse(await readFile(join(user, 'config.json'), 'utf8'))).toEqual(userConfig)
    })
  })
  it('installs it when the plugin is older than the minimum, and says so', async () => {
    await withTempDir(async dir => {
      const { install, installed } = fakeInstall(dir)
      const setup = await ensureBuildx(
        RELEASE,
        { DOCKER_CONFIG: join(dir, 'user'), RUNNER_TEMP: dir },
        docker('v0.11.2').run,
        memoryLogger(),
        install,
        []
      )
      expect(installed).toHaveLength(1)
      expect(setup?.note).toContain("the plugin's v0.11.2 is older than 0.12.0")
    })
  })
  it('leaves a recent enough plugin, and a runner without docker, alone', async () => {
    await withTempDir(async dir => {
      const { install, installed } = fakeInstall(dir)
      expect(
        await ensureBuildx(RELEASE, {}, docker('v0.12.0').run, memoryLogger(), install, [])
      ).toBeUndefined()
      const noDocker = fakeRunner(() => {
        throw new Error('not found')
      })
      expect(await ensureBuildx(RELEASE, {}, noDocker.run, memoryLogger(), install, [])).toBeUndefined()
      expect(installed).toEqual([])
    })
  })
})

describe('selectBuilder with a buildx to install', () => {
  const setup = {
    env: { DOCKER_CONFIG: '/tmp/private' },
    dockerConfig: '/tmp/private',
    note: 'installed buildx v0.35.0 for this run (x)'
  }

  it('probes and builds with the installed buildx, and hands back its dir', async () => {
    const { run, calls } = fakeRunner((cmd, args) => {
      if (args.join(' ') === 'buildx version') return 'github.com/docker/buildx v0.35.0 abc\n'
      throw new Error('unexpected')
    })
    const ensure: EnsureBuildx = () => Promise.resolve(setup)
    const selected = await selectBuilder('auto', memoryLogger(), { HOME: '/h' }, run, {
      ...HERMETIC,
      buildxRelease: RELEASE,
      ensureBuildx: ensure
    })
    expect(selected.builder.name).toBe('buildx')
    expect(selected.dockerConfig).toBe('/tmp/private')
    expect(selected.reason).toBe(
      'auto: installed buildx v0.35.0 for this run (x); found docker buildx 0.35.0'
    )
    expect(calls[0]?.options.env).toEqual({ HOME: '/h', DOCKER_CONFIG: '/tmp/private' })
  })
  it('auto falls back when the install fails, and says why', async () => {
    const { run } = fakeRunner((cmd, args) => {
      if (cmd === 'buildah' && args[0] === 'version') return 'Version:         1.28.2\n'
      throw new Error("docker: 'buildx' is not a docker command.")
    })
    const ensure: EnsureBuildx = () => Promise.reject(new Error('connect ECONNREFUSED'))
    const selected = await selectBuilder('auto', memoryLogger(), {}, run, {
      ...HERMETIC,
      buildxRelease: RELEASE,
      ensureBuildx: ensure
    })
    expect(selected.builder.name).toBe('buildah')
    expect(selected.reason).toContain('installing buildx v0.35.0 failed (connect ECONNREFUSED)')
    expect(selected.dockerConfig).toBeUndefined()
  })
  it('builder: buildx fails when the install fails, naming the fix', async () => {
    const ensure: EnsureBuildx = () => Promise.reject(new Error('connect ECONNREFUSED'))
    const promise = selectBuilder('buildx', memoryLogger(), {}, docker(undefined).run, {
      ...HERMETIC,
      buildxRelease: RELEASE,
      ensureBuildx: ensure
    })
    await expect(promise).rejects.toBeInstanceOf(HostError)
    await expect(promise).rejects.toThrow(
      "builder 'buildx' was asked for, and installing buildx v0.35.0 failed: connect ECONNREFUSED; install the buildx plugin"
    )
  })
  it('a wrong checksum fails even with auto', async () => {
    const ensure: EnsureBuildx = () =>
      Promise.reject(
        new ChecksumError('buildx-v0.35.0.linux-amd64', 'a'.repeat(64), 'b'.repeat(64), 'pinned')
      )
    const { run } = fakeRunner((cmd, args) => {
      if (cmd === 'buildah' && args[0] === 'version') return 'Version:         1.28.2\n'
      throw new Error('no')
    })
    await expect(
      selectBuilder('auto', memoryLogger(), {}, run, {
        ...HERMETIC,
        buildxRelease: RELEASE,
        ensureBuildx: ensure
      })
    ).rejects.toBeInstanceOf(ChecksumError)
  })
  it('installs nothing for buildah or docker', async () => {
    let asked = false
    const ensure: EnsureBuildx = () => {
      asked = true
      return Promise.resolve(setup)
    }
    const { run } = fakeRunner((cmd, args) => {
      if (cmd === 'buildah' && args[0] === 'version') return 'Version:         1.28.2\n'
      throw new Error('no')
    })
    await selectBuilder('buildah', memoryLogger(), {}, run, {
      ...HERMETIC,
      buildxRelease: RELEASE,
      ensureBuildx: ensure
    })
    expect(asked).toBe(false)
  })
})
