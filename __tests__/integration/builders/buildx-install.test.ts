import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { selectBuilder, type Logger } from '../../../src/builders/index.js'
import { ChecksumError, installBuildx } from '../../../src/builders/buildx/install.js'
import { buildxAssetName, releasePlatform } from '../../../src/builders/buildx/release.js'
import { extractVersion } from '../../../src/builders/version.js'
import { execCommand } from '../../../src/exec.js'
import { testEnv } from '../../support/env.js'

/**
 * A buildx release mirror on loopback serving the buildx the test environment built, under its release
 * asset name, with a checksums.txt; then the install through tool-cache and `docker buildx` through it.
 */
let root: string
let server: Server
let baseUrl: string
let version: string
let requests: string[]
const platform = releasePlatform(process.platform, process.arch)
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

/** `<mirror>/v<v>/<asset>` plus `checksums.txt` listing `digest` for it. */
async function publish(mirror: string, v: string, binary: string, digest: string): Promise<void> {
  const dir = join(mirror, `v${v}`)
  await mkdir(dir, { recursive: true })
  const asset = buildxAssetName(v, platform)
  await copyFile(binary, join(dir, asset))
  await writeFile(
    join(dir, 'checksums.txt'),
    `${'0'.repeat(64)}  buildx-v${v}.other-arch\n${digest}  ${asset}\n`
  )
}

beforeAll(async () => {
  const binary = join(testEnv().goBin, 'buildx')
  version = extractVersion((await execCommand(binary, ['version'])).stdout) ?? ''
  expect(version).toMatch(/^\d+\.\d+\.\d+$/)
  root = await mkdtemp(join(tmpdir(), 'buildx-install-'))
  const mirror = join(root, 'mirror')
  await publish(mirror, version, binary, await sha256(binary))
  await publish(mirror, WRONG_VERSION, binary, 'f'.repeat(64))
  requests = []
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    readFile(
      join(
        mirror,
        decodeURIComponent(req.url ?? '')
          .replace(/^\/releases\//, '')
          .replace(/\.\./g, '')
      )
    )
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

/** Fresh RUNNER_TOOL_CACHE/RUNNER_TEMP and an empty HOME/DOCKER_CONFIG: docker has no buildx plugin. */
async function freshRunner(name: string) {
  const dir = join(root, name)
  const dirs = { cache: join(dir, 'tool-cache'), temp: join(dir, 'temp'), home: join(dir, 'home') }
  for (const d of Object.values(dirs)) await mkdir(d, { recursive: true })
  process.env.RUNNER_TOOL_CACHE = dirs.cache
  process.env.RUNNER_TEMP = dirs.temp
  const env = { HOME: dirs.home, DOCKER_CONFIG: join(dirs.home, '.docker'), RUNNER_TEMP: dirs.temp }
  return { ...dirs, env }
}

describe('installing buildx with tool-cache', () => {
  it('installs the verified release for this run and docker buildx runs it', async () => {
    const runner = await freshRunner('ok')
    await expect(execCommand('docker', ['buildx', 'version'], { env: runner.env })).rejects.toThrow()
    const log = logger()
    const selected = await selectBuilder('buildx', log, runner.env, execCommand, {
      buildxRelease: { version, downloadUrl: `${baseUrl}/` }
    })
    expect(selected.builder.name).toBe('buildx')
    expect(selected.reason).toContain(
      `installed buildx v${version} for this run (the docker buildx plugin is missing)`
    )
    expect(log.text()).toContain(`sha256`)
    expect(requests).toEqual([
      `/releases/v${version}/${buildxAssetName(version, platform)}`,
      `/releases/v${version}/checksums.txt`
    ])
    const dockerConfig = selected.dockerConfig ?? ''
    const out = await execCommand('docker', ['buildx', 'version'], {
      env: { ...runner.env, DOCKER_CONFIG: dockerConfig }
    })
    expect(out.stdout).toContain(`v${version}`)
    // Cached by tool-cache; the user's config dir got no plugin; the download is not left in RUNNER_TEMP.
    expect(await readdir(join(runner.cache, 'docker-buildx', version, platform))).toContain('docker-buildx')
    expect(await readdir(join(runner.home, '.docker'))).toEqual(['buildx'])
    expect((await readdir(runner.temp)).filter(f => !f.startsWith('publish-image-docker-'))).toEqual([])

    // The second run takes it from the tool cache: nothing downloaded.
    requests.length = 0
    const again = logger()
    const plugin = await installBuildx({ version, downloadUrl: baseUrl }, again)
    expect(plugin).toBe(join(runner.cache, 'docker-buildx', version, platform, 'docker-buildx'))
    expect(again.text()).toContain('from the tool cache')
    expect(requests).toEqual([])
    await rm(dockerConfig, { recursive: true })
  })

  it('refuses a download whose sha256 is not the listed one, and caches nothing', async () => {
    const runner = await freshRunner('wrong')
    const promise = installBuildx({ version: WRONG_VERSION, downloadUrl: baseUrl }, logger())
    await expect(promise).rejects.toBeInstanceOf(ChecksumError)
    const error = (await promise.catch((e: unknown) => e)) as ChecksumError
    const asset = buildxAssetName(WRONG_VERSION, platform)
    expect(error.message).toContain(`buildx release asset ${asset} has sha256 `)
    expect(error.message).toContain(`expected ${'f'.repeat(64)}`)
    expect(error.actual).toBe(await sha256(join(testEnv().goBin, 'buildx')))
    expect(error.message).toContain('nothing was cached')
    expect(await readdir(runner.cache)).toEqual([])
    expect(await readdir(runner.temp)).toEqual([])
  })
})
