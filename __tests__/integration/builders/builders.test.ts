import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { execCommand } from '../../../src/exec.js'
import {
  ensurePlatformsRunnable,
  parsePlatforms,
  parseSecrets,
  selectBuilder,
  validateBuildRequest,
  type Logger,
  type BuildRequest
} from '../../../src/builders/index.js'
import { BuildahBuilder } from '../../../src/builders/buildah/builder.js'
import { DockerBuilder } from '../../../src/builders/docker/builder.js'
import { findDockerClient } from '../../../src/builders/docker/client.js'
import { HostError } from '../../../src/builders/errors.js'
import { InputError } from '../../../src/inputs/errors.js'
import { testEnv } from '../../support/env.js'
import { fileInLayers, readCheckedLayout } from './layout-check.js'

const ENV_SECRET = 'env-secret-Qx7v9k2mZp'
const FILE_SECRET = 'file-secret-Lr4t8wYc3n'
const LABELS = {
  'org.opencontainers.image.title': 'build-test',
  'org.opencontainers.image.revision': 'abc123'
}

let root: string

function logger(): Logger & { text: () => string } {
  const lines: string[] = []
  return {
    info: m => lines.push(m),
    warning: m => lines.push(m),
    debug: m => lines.push(m),
    text: () => lines.join('\n')
  }
}

/** A context whose build reads two secrets, prints them (redaction must hide that) and stores only lengths. */
async function project(name: string): Promise<Omit<BuildRequest, 'platforms'>> {
  const dir = join(root, name)
  const context = join(dir, 'ctx')
  const workDir = join(dir, 'work')
  await mkdir(context, { recursive: true })
  await mkdir(workDir)
  await writeFile(join(dir, 'secret.txt'), FILE_SECRET)
  await writeFile(
    join(context, 'Dockerfile'),
    [
      `FROM ${testEnv().baseImage} AS final`,
      'ARG GREETING',
      'RUN --mount=type=secret,id=envtok --mount=type=secret,id=filetok ' +
        `echo "printed $(cat /run/secrets/envtok) $(cat /run/secrets/filetok)" && ` +
        'cat /run/secrets/envtok /run/secrets/filetok | wc -c > /secret-len && echo "$GREETING" > /greeting && ' +
        'echo "$NO_PROXY" > /no-proxy',
      ''
    ].join('\n')
  )
  return {
    context,
    file: join(context, 'Dockerfile'),
    buildArgs: ['GREETING=hello'],
    target: 'final',
    labels: LABELS,
    noCache: true,
    pull: false,
    secrets: parseSecrets([
      'id=envtok,env=BUILD_TEST_ENV_SECRET',
      `id=filetok,src=${join(dir, 'secret.txt')}`
    ]),
    cacheFrom: [],
    cacheTo: [],
    workDir,
    env: { BUILD_TEST_ENV_SECRET: ENV_SECRET }
  }
}

function expectNoSecrets(text: string | Buffer): void {
  expect(text.includes(ENV_SECRET)).toBe(false)
  expect(text.includes(FILE_SECRET)).toBe(false)
}

async function expectBuiltImage(layoutDir: string, platforms: string[]): Promise<void> {
  const images = await readCheckedLayout(layoutDir)
  expect(images.map(i => [i.platform.os, i.platform.architecture].join('/'))).toEqual(platforms)
  for (const image of images) {
    expect(image.labels).toMatchObject(LABELS)
    expect(fileInLayers(image.layers, 'greeting')).toBe('hello\n')
    expect(fileInLayers(image.layers, 'secret-len')?.trim()).toBe(
      String(ENV_SECRET.length + FILE_SECRET.length)
    )
    image.layers.forEach(expectNoSecrets)
  }
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'build-it-'))
})

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('buildah', () => {
  it('builds linux/amd64 + linux/arm64 (QEMU) into a flat OCI layout with the private auth file; secrets in neither logs nor layers', async () => {
    const platforms = parsePlatforms(['linux/amd64,linux/arm64'])
    // The private auth file sends the registry to a credential helper that records being asked.
    const bin = join(root, 'helper-bin')
    const asked = join(root, 'helper-asked')
    await mkdir(bin)
    const helper = join(bin, 'docker-credential-buildtest')
    await writeFile(
      helper,
      `#!/bin/sh\necho "$1" >> ${asked}\necho 'credentials not found in native keychain'\nexit 1\n`
    )
    await chmod(helper, 0o755)
    const authFile = join(root, 'auth.json')
    await writeFile(authFile, JSON.stringify({ credHelpers: { [testEnv().registry]: 'buildtest' } }))
    const base = await project('buildah')
    const req: BuildRequest = {
      ...base,
      platforms,
      pull: true,
      registryAuth: { authFile },
      env: { ...base.env, PATH: `${bin}:${process.env.PATH}` }
    }
    const log = logger()
    await validateBuildRequest(req, 'buildah')
    await ensurePlatformsRunnable(platforms, log)
    const { cleanup, ...result } = await new BuildahBuilder().build(req, log)
    // The local list and images are removed in the background, while the layout is pushed.
    await cleanup
    expect(result).toEqual({ builder: 'buildah', layoutDir: join(req.workDir, 'oci'), platforms })
    await expectBuiltImage(result.layoutDir, platforms)
    expect(log.text()).toContain('printed *** ***')
    expect(await readFile(asked, 'utf8')).toContain('get')
    expectNoSecrets(log.text())
    const { stdout } = await execCommand('buildah', ['images', '--format', '{{.Name}}'])
    expect(stdout).not.toContain('publish-image-build')
  })
})

describe('docker', () => {
  const ownConfig = join(homedir(), '.docker', 'config.json')

  it('builds the native platform into an OCI layout with private credentials, leaving ~/.docker/config.json alone', async () => {
    const { dockerHost } = testEnv()
    const base = await project('docker')
    const before = await readFile(ownConfig).catch(() => undefined)
    // docker turns the config's proxy settings into build args: a marker proves the private config was used.
    const privateDir = join(root, 'private-docker-config')
    await mkdir(privateDir)
    const marker = 'private-config-was-used.invalid'
    await writeFile(
      join(privateDir, 'config.json'),
      JSON.stringify({ proxies: { default: { noProxy: marker } } })
    )
    const req: BuildRequest = {
      ...base,
      platforms: [],
      pull: true,
      network: 'host', // the test dockerd runs without a bridge network
      registryAuth: { dockerConfigDir: privateDir },
      env: { ...base.env, DOCKER_HOST: dockerHost }
    }
    const log = logger()
    await validateBuildRequest(req, 'docker')
    const result = await new DockerBuilder().build(req, log)
    expect(result.builder).toBe('docker')
    expect(result.platforms).toEqual(['linux/amd64'])
    await expectBuiltImage(result.layoutDir, ['linux/amd64'])
    // The first docker on PATH (docker 28) builds through buildx when the plugin is installed; without
    // it, Debian's docker 20.10 further down PATH is chosen for its built-in BuildKit.
    const viaBuildx = await hasBuildx({ DOCKER_HOST: dockerHost })
    expect(log.text()).toContain(viaBuildx ? 'with BuildKit through buildx' : 'built-in BuildKit')
    expectNoSecrets(log.text())
    const [image] = await readCheckedLayout(result.layoutDir)
    expect(fileInLayers(image?.layers ?? [], 'no-proxy')).toBe(`${marker}\n`)
    expect(await readFile(ownConfig).catch(() => undefined)).toEqual(before)
    const { stdout } = await execCommand('docker', ['images', '--format', '{{.Repository}}'], {
      env: { DOCKER_HOST: dockerHost }
    })
    expect(stdout).not.toContain('publish-image-build')
  })
})

/** Whether `docker buildx version` works with this environment (the first docker on its PATH). */
function hasBuildx(env: Record<string, string>): Promise<boolean> {
  return execCommand('docker', ['buildx', 'version'], { env }).then(
    () => true,
    () => false
  )
}

// The machine image ships a docker 28 client in /usr/local/bin, beside Debian's 20.10. Without a buildx
// plugin that client can only use the classic builder; with one (a machine set up for buildx) it cannot.
const docker28Env = (): Record<string, string> => ({
  DOCKER_HOST: testEnv().dockerHost,
  PATH: '/usr/local/bin'
})
const withDocker28Client = existsSync('/usr/local/bin/docker') ? describe : describe.skip

withDocker28Client('docker with only a client that lacks BuildKit', () => {
  it('falls back to the classic builder, says so, and refuses secrets before building', async () => {
    const env = docker28Env()
    if (await hasBuildx(env)) {
      // This client has the buildx plugin here, so it builds with BuildKit: nothing classic to check.
      const { client } = await findDockerClient(env, execCommand)
      expect(client.mode).toBe('buildx')
      return
    }
    const base = await project('docker-classic')
    await writeFile(base.file, `FROM ${testEnv().baseImage}\nRUN echo classic > /greeting\n`)
    const req: BuildRequest = {
      ...base,
      target: '',
      buildArgs: [],
      secrets: [],
      platforms: ['linux/amd64'],
      env
    }
    const err = await validateBuildRequest({ ...req, secrets: base.secrets }, 'docker').catch(e => e)
    expect(err).toBeInstanceOf(InputError)
    expect(err.input).toBe('secrets')
    const log = logger()
    const result = await new DockerBuilder().build(req, log)
    expect(log.text()).toContain('deprecated classic builder')
    const [image, ...rest] = await readCheckedLayout(result.layoutDir)
    expect(rest).toEqual([])
    expect(image?.labels).toMatchObject(LABELS)
    expect(fileInLayers(image?.layers ?? [], 'greeting')).toBe('classic\n')
  })
})

describe('builder selection on this machine (with or without buildx)', () => {
  const env = (): Record<string, string> => ({ DOCKER_HOST: testEnv().dockerHost })
  it('auto picks buildx when docker buildx works, else buildah saying buildx is missing', async () => {
    const { builder, reason } = await selectBuilder('auto', logger(), env())
    if (await hasBuildx(env())) {
      expect(builder.name).toBe('buildx')
      expect(reason).toMatch(/^auto: found (docker )?buildx \d+\.\d+/)
    } else {
      expect(builder.name).toBe('buildah')
      expect(reason).toMatch(/buildx unavailable \(.*buildx/)
    }
  })
  it('uses buildx when asked for and present, else fails clearly', async () => {
    const selected = await selectBuilder('buildx', logger(), env()).catch((e: unknown) => e)
    if (await hasBuildx(env())) {
      expect(selected).toMatchObject({
        builder: { name: 'buildx' },
        reason: expect.stringMatching(/^asked for; found (docker )?buildx \d/)
      })
    } else {
      expect(selected).toBeInstanceOf(HostError)
      expect((selected as HostError).message).toContain("builder 'buildx' was asked for but is unavailable")
    }
  })
})
