import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execCommand } from '../../../src/exec.js'
import { InputError } from '../../../src/inputs/errors.js'
import { installSyft, SyftChecksumError } from '../../../src/sbom/install.js'
import {
  PINNED_SYFT_VERSION,
  syftAssetName,
  syftChecksumsName,
  syftReleasePlatform
} from '../../../src/sbom/release.js'
import { prepareScanner } from '../../../src/sbom/scanner.js'
import type { Logger } from '../../../src/registry/index.js'
import { testEnv } from '../../support/env.js'

/**
 * A syft release mirror on loopback serving the syft the test environment built, packed as the release
 * archive with the release's checksums file; then the install through tool-cache.
 */
let root: string
let server: Server
let baseUrl: string
let archiveSha: string
let requests: string[]
const platform = syftReleasePlatform(process.platform, process.arch) ?? 'unsupported'
const saved = { cache: process.env.RUNNER_TOOL_CACHE, temp: process.env.RUNNER_TEMP }
const WRONG_VERSION = '9.9.9'

function logger(): Logger & { text: () => string } {
  const lines: string[] = []
  return {
    info: m => lines.push(m),
    warning: m => lines.push(m),
    debug: m => lines.push(m),
    text: () => lines.join('\n')
  }
}

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** `<mirror>/v<v>/syft_<v>_<platform>.tar.gz` (syft, LICENSE, README.md) and its checksums file listing `digest`. */
async function publish(mirror: string, v: string, digest?: string): Promise<string> {
  const dir = join(mirror, `v${v}`)
  const staging = join(root, `staging-${v}`)
  await mkdir(dir, { recursive: true })
  await mkdir(staging)
  await copyFile(join(testEnv().syftBin, 'syft'), join(staging, 'syft'))
  await writeFile(join(staging, 'LICENSE'), 'Apache-2.0\n')
  await writeFile(join(staging, 'README.md'), 'syft\n')
  const asset = syftAssetName(v, platform)
  await execCommand('tar', ['-czf', join(dir, asset), '-C', staging, 'syft', 'LICENSE', 'README.md'])
  const actual = await sha256(join(dir, asset))
  await writeFile(
    join(dir, syftChecksumsName(v)),
    `${'0'.repeat(64)}  syft_${v}_windows_amd64.zip\n${digest ?? actual}  ${asset}\n`
  )
  return actual
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'syft-install-'))
  const mirror = join(root, 'mirror')
  archiveSha = await publish(mirror, PINNED_SYFT_VERSION)
  await publish(mirror, WRONG_VERSION, 'f'.repeat(64))
  requests = []
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const path = decodeURIComponent(req.url ?? '')
      .replace(/^\/releases\//, '')
      .replace(/\.\./g, '')
    readFile(join(mirror, path))
      .then(body => res.writeHead(200, { 'content-length': body.length }).end(body))
      .catch(() => res.writeHead(404).end('not found'))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/releases`
})

afterAll(async () => {
  await new Promise(resolve => server.close(resolve))
  process.env.RUNNER_TOOL_CACHE = saved.cache
  process.env.RUNNER_TEMP = saved.temp
  if (saved.cache === undefined) delete process.env.RUNNER_TOOL_CACHE
  if (saved.temp === undefined) delete process.env.RUNNER_TEMP
  await rm(root, { recursive: true, force: true })
})

async function freshRunner(name: string) {
  const dir = join(root, name)
  const dirs = { cache: join(dir, 'tool-cache'), temp: join(dir, 'temp') }
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true })
  process.env.RUNNER_TOOL_CACHE = dirs.cache
  process.env.RUNNER_TEMP = dirs.temp
  return dirs
}

/** PATH without syft: the scanner must come from the mirror. */
const NO_SYFT = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }

describe('installing syft with tool-cache', () => {
  it('installs the pinned release, verified, when syft is not on PATH; the next run takes the cache', async () => {
    const runner = await freshRunner('ok')
    const log = logger()
    const scanner = await prepareScanner({ format: 'spdx-json' }, log, {
      downloadUrl: `${baseUrl}/`,
      env: NO_SYFT
    })
    const cachedDir = join(runner.cache, 'syft', PINNED_SYFT_VERSION, platform)
    expect(scanner).toEqual({
      path: join(cachedDir, 'syft'),
      version: PINNED_SYFT_VERSION,
      format: 'spdx-json',
      source: `syft ${PINNED_SYFT_VERSION} installed from ${baseUrl}/ (no syft on PATH)`
    })
    expect(requests).toEqual([
      `/releases/v${PINNED_SYFT_VERSION}/${syftAssetName(PINNED_SYFT_VERSION, platform)}`,
      `/releases/v${PINNED_SYFT_VERSION}/${syftChecksumsName(PINNED_SYFT_VERSION)}`
    ])
    expect(log.text()).toContain(`sha256 ${archiveSha} matches`)
    // Only the executable is cached, it runs, and nothing is left in RUNNER_TEMP.
    expect((await readdir(cachedDir)).sort()).toEqual(['syft'])
    const { stdout } = await execCommand(scanner.path, ['version', '-o', 'json'], {
      env: { SYFT_CHECK_FOR_APP_UPDATE: 'false' }
    })
    expect(JSON.parse(stdout)).toMatchObject({ application: 'syft' })
    expect(await readdir(runner.temp)).toEqual([])

    requests.length = 0
    const again = logger()
    const path = await installSyft({ version: PINNED_SYFT_VERSION, downloadUrl: baseUrl }, platform, again)
    expect(path).toBe(scanner.path)
    expect(again.text()).toContain('from the tool cache')
    expect(requests).toEqual([])
  })

  it('refuses an archive whose sha256 is not the listed one, and caches nothing', async () => {
    const runner = await freshRunner('wrong')
    const promise = installSyft({ version: WRONG_VERSION, downloadUrl: baseUrl }, platform, logger())
    await expect(promise).rejects.toBeInstanceOf(SyftChecksumError)
    const error = (await promise.catch((e: unknown) => e)) as SyftChecksumError
    const asset = syftAssetName(WRONG_VERSION, platform)
    expect(error.message).toContain(`syft release asset ${asset} has sha256 `)
    expect(error.message).toContain(`expected ${'f'.repeat(64)}`)
    expect(error.message).toContain('nothing was cached')
    expect(error.actual).toBe(await sha256(join(root, 'mirror', `v${WRONG_VERSION}`, asset)))
    expect(await readdir(runner.cache)).toEqual([])
    expect(await readdir(runner.temp)).toEqual([])
  })

  it('fails before any build, naming sbom, when the mirror has no release', async () => {
    const runner = await freshRunner('missing')
    const promise = prepareScanner({ format: 'spdx-json' }, logger(), {
      downloadUrl: `${baseUrl}/nothing-here`,
      env: NO_SYFT
    })
    await expect(promise).rejects.toBeInstanceOf(InputError)
    await expect(promise).rejects.toThrow(
      /^input 'sbom': the SBOM scanner syft is not here \(no syft on PATH\) and installing syft v1\.57\.1 failed: .*404/
    )
    expect(await readdir(runner.cache)).toEqual([])
  })
})
