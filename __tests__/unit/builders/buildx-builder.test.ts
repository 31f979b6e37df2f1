import { describe, expect, it } from '@jest/globals'
import { cpSync, rmSync, writeFileSync } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { BuildxBuilder } from '../../../src/builders/buildx/builder.js'
import { writeBlob, writeLayoutFiles } from '../../../src/builders/layout/oci.js'
import { OCI_CONFIG, OCI_LAYER_GZIP, OCI_MANIFEST } from '../../../src/registry/index.js'
import {
  fakeRunner,
  memoryLogger,
  request,
  withTempDir,
  withoutHostDockerConfig,
  type Call
} from './helpers.js'

withoutHostDockerConfig()

const json = (v: unknown) => Buffer.from(JSON.stringify(v))

/** An extracted buildx OCI export of one linux/amd64 image; returns the manifest digest. */
async function exportedLayout(dir: string): Promise<string> {
  const layer = await writeBlob(dir, OCI_LAYER_GZIP, Buffer.from('layer'))
  const config = await writeBlob(dir, OCI_CONFIG, json({ os: 'linux', architecture: 'amd64' }))
  const manifest = await writeBlob(
    dir,
    OCI_MANIFEST,
    json({ schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [layer] })
  )
  await writeLayoutFiles(dir, { schemaVersion: 2, manifests: [manifest] })
  return manifest.digest
}

interface Scenario {
  driver: string
  driverStatus?: string
  /** What `docker buildx build` does: write the metadata file, or fail. */
  build: (args: string[]) => void
  exportDir: string
}

function buildxFake(s: Scenario) {
  return fakeRunner((cmd, args) => {
    const line = args.join(' ')
    if (line === 'buildx version') return 'github.com/docker/buildx v0.38.2 abc\n'
    if (line === 'buildx inspect' || (cmd.endsWith('/docker-buildx') && line === 'inspect'))
      return `Name:   current\nDriver: ${s.driver}\n`
    if (line.startsWith('info --format')) return s.driverStatus ?? '[["Backing Filesystem","extfs"]]'
    if (line.startsWith('buildx build') || (cmd.endsWith('/docker-buildx') && args[0] === 'build')) {
      s.build(args)
      // The OCI tarball on stdout, which the builder unpacks as it comes (the `tar` below).
      if (!line.includes('--output type=oci,dest=-,compression=uncompressed'))
        throw new Error(`no OCI tarball on stdout in: ${line}`)
      return ''
    }
    if (cmd === 'tar') {
      // Unpacks stdin (the build's stdout), nothing else.
      if (args[args.indexOf('-f') + 1] !== '-') throw new Error('tar does not read stdin')
      cpSync(s.exportDir, args[args.indexOf('-C') + 1] ?? '', { recursive: true })
      return ''
    }
    return ''
  })
}

const metadataWith = (digest: string) => (args: string[]) =>
  writeFileSync(
    args[args.indexOf('--metadata-file') + 1] ?? '',
    JSON.stringify({ 'buildx.build.ref': 'b/b0/ref123', 'containerimage.digest': digest })
  )

const commands = (calls: Call[]) =>
  calls.filter(c => c.args[0] === 'buildx' && c.args[1] !== 'version').map(c => c.args.slice(0, 3).join(' '))

async function setUp(dir: string): Promise<{ exportDir: string; digest: string; workDir: string }> {
  const exportDir = join(dir, 'export')
  const workDir = join(dir, 'work')
  await mkdir(workDir)
  return { exportDir, digest: await exportedLayout(exportDir), workDir }
}

describe('BuildxBuilder with a fake docker', () => {
  it('runs every buildx command with the plugin itself when the selection found it, standalone', async () => {
    await withTempDir(async dir => {
      const { exportDir, digest, workDir } = await setUp(dir)
      const { run, calls } = buildxFake({ driver: 'remote', exportDir, build: metadataWith(digest) })
      const logger = memoryLogger()
      const plugin = '/opt/docker/cli-plugins/docker-buildx'
      const env = { DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: 'docker' }
      await new BuildxBuilder(run, {}, '0.38.2', plugin).build(
        request({ workDir, env, platforms: ['linux/amd64'] }),
        logger
      )
      // Every buildx command (inspect, then the build) runs the plugin itself; none goes through docker.
      expect(calls.filter(c => c.cmd === plugin).map(c => c.args.slice(0, 2).join(' '))).toEqual([
        'inspect',
        'build --file'
      ])
      expect(calls.filter(c => c.args[0] === 'buildx')).toEqual([])
      // Set, buildx would take itself for a plugin run by docker, expecting `buildx` as its first argument.
      for (const call of calls.filter(c => c.cmd === plugin))
        expect(call.options.env?.DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND).toBe('')
      expect(logger.lines).toContain(
        `info: buildx: running the plugin ${plugin} itself (what docker buildx runs)`
      )
    })
  })

  it('reads the builder BUILDX_BUILDER names from buildx store, without `docker buildx inspect`', async () => {
    await withTempDir(async dir => {
      const { exportDir, digest, workDir } = await setUp(dir)
      await mkdir(join(dir, 'config', 'buildx', 'instances'), { recursive: true })
      const instance = { Name: 'ci', Driver: 'docker-container', Nodes: [] }
      writeFileSync(join(dir, 'config', 'buildx', 'instances', 'ci'), JSON.stringify(instance))
      // The store says docker-container (exports OCI); inspect would say docker (no OCI: a temporary builder).
      const { run, calls } = buildxFake({ driver: 'docker', exportDir, build: metadataWith(digest) })
      const logger = memoryLogger()
      const env = { DOCKER_CONFIG: join(dir, 'config'), BUILDX_BUILDER: 'ci' }
      await new BuildxBuilder(run, {}, '0.38.2').build(
        request({ workDir, env, platforms: ['linux/amd64'] }),
        logger
      )
      expect(calls.map(c => c.args.slice(0, 2).join(' '))).toEqual(['-x --no-same-owner', 'buildx build'])
      expect(logger.lines).toContain(
        "info: buildx: using the current builder ci (BUILDX_BUILDER) ('docker-container' driver) as it is"
      )
      // With BUILDX_CONFIG, buildx's store is there, not in DOCKER_CONFIG: the file above is not read.
      const elsewhere = buildxFake({ driver: 'remote', exportDir, build: metadataWith(digest) })
      await mkdir(join(dir, 'work-elsewhere'))
      const withBuildxConfig = { ...env, BUILDX_CONFIG: join(dir, 'buildx-config') }
      const req = request({
        workDir: join(dir, 'work-elsewhere'),
        env: withBuildxConfig,
        platforms: ['linux/amd64']
      })
      await new BuildxBuilder(elsewhere.run, {}, '0.38.2').build(req, logger)
      expect(elsewhere.calls.map(c => c.args.slice(0, 2).join(' '))).toEqual([
        'buildx inspect',
        '-x --no-same-owner',
        'buildx build'
      ])
      // …and the one there is.
      await mkdir(join(dir, 'buildx-config', 'instances'), { recursive: true })
      writeFileSync(join(dir, 'buildx-config', 'instances', 'ci'), JSON.stringify(instance))
      const there = buildxFake({ driver: 'docker', exportDir, build: metadataWith(digest) })
      await mkdir(join(dir, 'work-there'))
      const reqThere = request({
        workDir: join(dir, 'work-there'),
        env: withBuildxConfig,
        platforms: ['linux/amd64']
      })
      await new BuildxBuilder(there.run, {}, '0.38.2').build(reqThere, logger)
      expect(there.calls.map(c => c.args.slice(0, 2).join(' '))).toEqual([
        '-x --no-same-owner',
        'buildx build'
      ])
      // A name buildx's store does not hold (a docker context, say), or a file of another builder: inspect.
      for (const [file, content] of [
        ['other', JSON.stringify(instance)],
        ['ci', '{"Name":"other","Driver":"remote"}']
      ]) {
        rmSync(join(dir, 'config', 'buildx', 'instances'), { recursive: true })
        await mkdir(join(dir, 'config', 'buildx', 'instances'))
        writeFileSync(join(dir, 'config', 'buildx', 'instances', file ?? ''), content ?? '')
        const again = buildxFake({ driver: 'remote', exportDir, build: metadataWith(digest) })
        const work = join(dir, `work-${file}`)
        await mkdir(work)
        await new BuildxBuilder(again.run, {}, '0.38.2').build(
          request({ workDir: work, env, platforms: ['linux/amd64'] }),
          logger
        )
        expect(again.calls.map(c => c.args.slice(0, 2).join(' '))).toEqual([
          'buildx inspect',
          '-x --no-same-owner',
          'buildx build'
        ])
      }
    })
  })
  it("unpacks the tarball from the build's stdout, under the run's signal: no tarball on disk", async () => {
    await withTempDir(async dir => {
      const { exportDir, digest, workDir } = await setUp(dir)
      const { run, calls } = buildxFake({ driver: 'remote', exportDir, build: metadataWith(digest) })
      const signal = new AbortController().signal
      await new BuildxBuilder(run, {}, '0.38.2').build(request({ workDir, signal }), memoryLogger())
      const unpack = calls.find(c => c.cmd === 'tar')
      expect(unpack?.args).toEqual(['-x', '--no-same-owner', '-f', '-', '-C', join(workDir, 'oci')])
      expect(unpack?.options.signal).toBe(signal)
      const build = calls.find(c => c.args[1] === 'build')
      expect(unpack?.options.stdinFrom).toBeDefined()
      expect(build?.options.stdoutTo).toBe(unpack?.options.stdinFrom)
      expect(await readdir(workDir)).not.toContain('buildx-oci.tar')
    })
  })
  it('does not ask buildx its version again when the selection already did', async () => {
    await withTempDir(async dir => {
      const { exportDir, digest, workDir } = await setUp(dir)
      const { run, calls } = buildxFake({ driver: 'remote', exportDir, build: metadataWith(digest) })
      const req = request({ workDir, platforms: ['linux/amd64'] })
      await new BuildxBuilder(run, {}, '0.38.2').build(req, memoryLogger())
      expect(calls.map(c => c.args.slice(0, 2).join(' '))).toEqual([
        'buildx inspect',
        '-x --no-same-owner',
        'buildx build'
      ])
    })
  })
  it('uses a remote current builder as it is: no --builder, nothing created, the build ref logged', async () => {
    await withTempDir(async dir => {
      const { exportDir, digest, workDir } = await setUp(dir)
      const { run, calls } = buildxFake({ driver: 'remote', exportDir, build: metadataWith(digest) })
      const logger = memoryLogger()
      const named: string[] = []
      const req = request({ workDir, platforms: ['linux/amd64'], onTemporaryBuilder: n => named.push(n) })
      const result = await new BuildxBuilder(run).build(req, logger)
      expect(result.platforms).toEqual(['linux/amd64'])
      expect(commands(calls)).toEqual(['buildx inspect', 'buildx build --file'])
      expect(named).toEqual([])
      expect(logger.lines.join('\n')).toContain(
        "using the current builder current ('remote' driver) as it is"
      )
      expect(logger.lines).toContain('info: buildx: build ref b/b0/ref123')
      // the tarball and the metadata file are gone; only the layout stays
      expect(await readdir(workDir)).toEqual(['oci'])
    })
  })

  it('fails when the export is not the image buildx says it built', async () => {
    await withTempDir(async dir => {
      const { exportDir, workDir } = await setUp(dir)
      const other = `sha256:${'0'.repeat(64)}`
      const { run } = buildxFake({ driver: 'remote', exportDir, build: metadataWith(other) })
      const req = request({ workDir, platforms: ['linux/amd64'] })
      await expect(new BuildxBuilder(run).build(req, memoryLogger())).rejects.toThrow(
        `buildx reported building ${other} but its OCI export holds sha256:`
      )
    })
  })

  it('exports straight from the docker driver when the engine uses the containerd image store', async () => {
    await withTempDir(async dir => {
      const { exportDir, digest, workDir } = await setUp(dir)
      const { run, calls } = buildxFake({
        driver: 'docker',
        driverStatus: '[["driver-type","io.containerd.snapshotter.v1"]]',
        exportDir,
        build: metadataWith(digest)
      })
      await new BuildxBuilder(run).build(request({ workDir, platforms: ['linux/amd64'] }), memoryLogger())
      expect(commands(calls)).toEqual(['buildx inspect', 'buildx build --file'])
    })
  })

  it.each([
    ['succeeds', (digest: string) => metadataWith(digest)],
    [
      'fails',
      () => () => {
        throw new Error('RUN failed')
      }
    ]
  ])(
    'with the docker driver creates a uniquely named docker-container builder and removes it when the build %s',
    async (_outcome, build) => {
      await withTempDir(async dir => {
        const { exportDir, digest, workDir } = await setUp(dir)
        const { run, calls } = buildxFake({ driver: 'docker', exportDir, build: build(digest) })
        const named: string[] = []
        const req = request({ workDir, platforms: ['linux/amd64'], onTemporaryBuilder: n => named.push(n) })
        await new BuildxBuilder(run).build(req, memoryLogger()).catch(() => undefined)
        const name = named[0] ?? ''
        expect(name).toMatch(/^publish-image-[0-9a-f]{12}$/)
        expect(named).toEqual([name, ''])
        const create = calls.find(c => c.args[1] === 'create')
        expect(create?.args).toEqual(expect.arrayContaining(['--name', name, '--driver', 'docker-container']))
        const buildCall = calls.find(c => c.args[1] === 'build')
        expect(buildCall?.args.slice(2, 4)).toEqual(['--builder', name])
        expect(calls.at(-1)?.args).toEqual(['buildx', 'rm', name])
      })
    }
  )

  it('creates and removes the temporary builder with the plugin too, when it runs the build', async () => {
    await withTempDir(async dir => {
      const { exportDir, digest, workDir } = await setUp(dir)
      const { run, calls } = buildxFake({ driver: 'docker', exportDir, build: metadataWith(digest) })
      const plugin = '/opt/docker/cli-plugins/docker-buildx'
      const named: string[] = []
      const req = request({ workDir, platforms: ['linux/amd64'], onTemporaryBuilder: n => named.push(n) })
      await new BuildxBuilder(run, {}, '0.38.2', plugin).build(req, memoryLogger())
      const name = named[0] ?? ''
      expect(calls.filter(c => c.cmd === plugin).map(c => c.args.slice(0, 3).join(' '))).toEqual([
        'inspect',
        `create --name ${name}`,
        `build --builder ${name}`,
        `rm ${name}`
      ])
      expect(calls.filter(c => c.args[0] === 'buildx')).toEqual([])
    })
  })

  it('removes the temporary builder when the run is cancelled during the build', async () => {
    await withTempDir(async dir => {
      const { exportDir, workDir } = await setUp(dir)
      const cancel = new AbortController()
      const { run, calls } = buildxFake({
        driver: 'docker',
        exportDir,
        build: () => {
          cancel.abort()
          throw new Error('interrupted')
        }
      })
      const req = request({ workDir, platforms: ['linux/amd64'], signal: cancel.signal })
      await expect(new BuildxBuilder(run).build(req, memoryLogger())).rejects.toThrow('interrupted')
      expect(calls.at(-1)?.args.slice(0, 2)).toEqual(['buildx', 'rm'])
      expect(calls.at(-1)?.options.signal).toBeUndefined()
    })
  })

  it('keeps the name for the post step when removing the builder fails', async () => {
    await withTempDir(async dir => {
      const { exportDir, digest, workDir } = await setUp(dir)
      const fake = buildxFake({ driver: 'docker', exportDir, build: metadataWith(digest) })
      const run: typeof fake.run = async (cmd, args, options) => {
        if (args[1] === 'rm') throw new Error('daemon gone')
        return fake.run(cmd, args, options)
      }
      const named: string[] = []
      const logger = memoryLogger()
      const req = request({ workDir, platforms: ['linux/amd64'], onTemporaryBuilder: n => named.push(n) })
      await new BuildxBuilder(run).build(req, logger)
      expect(named).toHaveLength(1)
      expect(logger.lines.join('\n')).toContain('warn: clean-up failed: daemon gone')
    })
  })
})

describe('parseBuildxMetadata', () => {
  it('reads the build ref and the exported digest, ignoring other keys', async () => {
    const { parseBuildxMetadata } = await import('../../../src/builders/buildx/metadata.js')
    const text = JSON.stringify({
      'buildx.build.ref': 'b/b0/x',
      'containerimage.digest': 'sha256:ab',
      'containerimage.descriptor': { size: 1 }
    })
    expect(parseBuildxMetadata(text)).toEqual({ buildRef: 'b/b0/x', digest: 'sha256:ab' })
    expect(parseBuildxMetadata('{}')).toEqual({})
    expect(() => parseBuildxMetadata('[]')).toThrow('not a JSON object')
    expect(() => parseBuildxMetadata('{')).toThrow('not JSON')
  })
})
