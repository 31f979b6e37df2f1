import { describe, expect, it } from '@jest/globals'
import { CommandError, type execCommand } from '../../../src/exec.js'
import { InputError } from '../../../src/inputs/errors.js'
import { NoToolCacheError, SyftChecksumError, type installSyft } from '../../../src/sbom/install.js'
import { PINNED_SYFT_VERSION } from '../../../src/sbom/release.js'
import { prepareScanner } from '../../../src/sbom/scanner.js'

const logger = { info: () => undefined, warning: () => undefined, debug: () => undefined }
const LINUX = { platform: 'linux', arch: 'x64' }

/** A runner where `syft version -o json` prints `version`, or fails to start when undefined. */
function syftOnPath(version: string | undefined): { run: typeof execCommand; calls: string[][] } {
  const calls: string[][] = []
  const run = (async (cmd: string, args: readonly string[]) => {
    calls.push([cmd, ...args])
    if (version === undefined) throw new CommandError(cmd, null, 'spawn syft ENOENT')
    return { stdout: JSON.stringify({ application: 'syft', version }), stderr: '' }
  }) as typeof execCommand
  return { run, calls }
}

function fakeInstall(result: string | Error) {
  const calls: { version: string; downloadUrl: string; platform: string }[] = []
  const install = (async (release, platform) => {
    calls.push({ ...release, platform })
    if (result instanceof Error) throw result
    return result
  }) as typeof installSyft
  return { install, calls }
}

const URL = 'http://127.0.0.1:1/syft'

describe('prepareScanner', () => {
  it('uses syft from PATH when it is recent enough, installing nothing', async () => {
    const { run, calls } = syftOnPath('1.42.0')
    const installer = fakeInstall('/never')
    const scanner = await prepareScanner({ format: 'cyclonedx-json' }, logger, {
      downloadUrl: URL,
      run,
      host: LINUX,
      install: installer.install
    })
    expect(scanner).toEqual({
      path: 'syft',
      version: '1.42.0',
      format: 'cyclonedx-json',
      source: 'syft 1.42.0 on PATH'
    })
    expect(calls).toEqual([['syft', 'version', '-o', 'json']])
    expect(installer.calls).toEqual([])
  })

  it('installs the pinned release for this runner when syft is missing or too old', async () => {
    for (const present of [undefined, '0.105.0']) {
      const installer = fakeInstall('/cache/syft/1.57.1/linux_amd64/syft')
      const scanner = await prepareScanner({ format: 'spdx-json' }, logger, {
        downloadUrl: URL,
        run: syftOnPath(present).run,
        host: LINUX,
        install: installer.install
      })
      expect(installer.calls).toEqual([
        { version: PINNED_SYFT_VERSION, downloadUrl: URL, platform: 'linux_amd64' }
      ])
      expect(scanner.path).toBe('/cache/syft/1.57.1/linux_amd64/syft')
      expect(scanner.version).toBe(PINNED_SYFT_VERSION)
      expect(scanner.source).toContain(
        present ? 'syft 0.105.0 on PATH is older than 1.0.0' : 'no syft on PATH'
      )
    }
  })

  it('uses a syft on PATH whose version it cannot read (an unknown version counts as new)', async () => {
    const run = (async () => ({
      stdout: 'syft, built from source',
      stderr: ''
    })) as unknown as typeof execCommand
    const installer = fakeInstall('/never')
    const scanner = await prepareScanner({ format: 'spdx-json' }, logger, {
      downloadUrl: URL,
      run,
      host: LINUX,
      install: installer.install
    })
    expect(scanner).toMatchObject({ path: 'syft', version: 'unknown', source: 'syft unknown on PATH' })
    expect(installer.calls).toEqual([])
  })

  it('fails naming sbom and the fix on a runner syft publishes nothing for, before any download', async () => {
    const installer = fakeInstall('/never')
    const promise = prepareScanner({ format: 'spdx-json' }, logger, {
      downloadUrl: URL,
      run: syftOnPath(undefined).run,
      host: { platform: 'win32', arch: 'x64' },
      install: installer.install
    })
    await expect(promise).rejects.toBeInstanceOf(InputError)
    await expect(promise).rejects.toThrow(
      "input 'sbom': the SBOM scanner syft is not here (no syft on PATH) and syft publishes no release archive for win32/x64; install syft on the runner (PATH), or set sbom: false"
    )
    expect(installer.calls).toEqual([])
  })

  it('fails naming sbom when the install fails, keeping the cause', async () => {
    const checksum = new SyftChecksumError(
      'syft_1.57.1_linux_amd64.tar.gz',
      'a'.repeat(64),
      'b'.repeat(64),
      URL
    )
    const error = (await prepareScanner({ format: 'spdx-json' }, logger, {
      downloadUrl: URL,
      run: syftOnPath(undefined).run,
      host: LINUX,
      install: fakeInstall(checksum).install
    }).catch((e: unknown) => e)) as InputError
    expect(error).toBeInstanceOf(InputError)
    expect(error.input).toBe('sbom')
    expect(error.cause).toBe(checksum)
    expect(error.message).toContain(
      'installing syft v1.57.1 failed: syft release asset syft_1.57.1_linux_amd64.tar.gz has sha256 bbbb'
    )
    expect(error.message).toContain('check syft-download-url, or set sbom: false')
  })

  it('outside a runner (no tool cache) says to put syft on PATH', async () => {
    const saved = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP }
    delete process.env.RUNNER_TOOL_CACHE
    delete process.env.RUNNER_TEMP
    try {
      const error = (await prepareScanner({ format: 'spdx-json' }, logger, {
        downloadUrl: URL,
        run: syftOnPath(undefined).run,
        host: LINUX
      }).catch((e: unknown) => e)) as InputError
      expect(error).toBeInstanceOf(InputError)
      expect(error.cause).toBeInstanceOf(NoToolCacheError)
      expect(error.message).toBe(
        "input 'sbom': the SBOM scanner syft is not here (no syft on PATH) and installing syft v1.57.1 failed: " +
          'installing syft needs RUNNER_TOOL_CACHE (the Actions runner sets it); put syft on PATH ' +
          '(or set RUNNER_TOOL_CACHE and RUNNER_TEMP to writable directories to install it), or set sbom: false'
      )
    } finally {
      if (saved.cache !== undefined) process.env.RUNNER_TOOL_CACHE = saved.cache
      if (saved.temp !== undefined) process.env.RUNNER_TEMP = saved.temp
    }
  })
})
