import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ensurePlatformsRunnable,
  parsePlatforms,
  type BuildRequest,
  type Logger
} from '../../../src/builders/index.js'
import { BuildahBuilder } from '../../../src/builders/buildah/builder.js'
import { BuildxBuilder } from '../../../src/builders/buildx/builder.js'
import { DockerBuilder } from '../../../src/builders/docker/builder.js'
import { readBuiltImages, type LayoutImage } from '../../../src/publish/layout.js'
import {
  generateSboms,
  prepareScanner,
  sbomStatements,
  type PlatformSbom,
  type SbomScanner
} from '../../../src/sbom/index.js'
import { testEnv } from '../../support/env.js'

/**
 * The test base image (busybox, a real binary per platform) built by buildah for linux/amd64 and
 * linux/arm64 with a dpkg status entry naming each platform's architecture and an npm package, then
 * scanned by the syft the test environment built.
 */
let root: string
let layoutDir: string
let images: LayoutImage[]
let sboms: PlatformSbom[]
const log: string[] = []
const logger: Logger = { info: m => log.push(m), warning: m => log.push(m), debug: m => log.push(m) }
const SOURCE_NAME = 'registry.example/sbom/probe'

interface SpdxPackage {
  name: string
  versionInfo?: string
  externalRefs?: { referenceType: string; referenceLocator: string }[]
}
interface SpdxDocument {
  spdxVersion: string
  name: string
  documentNamespace: string
  packages: SpdxPackage[]
}

function dpkgStatus(arch: string): string {
  return [
    'Package: sbom-probe',
    'Status: install ok installed',
    'Priority: optional',
    'Section: misc',
    'Installed-Size: 1',
    'Maintainer: publish-image tests <tests@example.invalid>',
    `Architecture: ${arch}`,
    'Version: 1.2.3-1',
    'Description: a package only this status file knows',
    ''
  ].join('\n')
}

/** The build context: the base image plus a dpkg entry of the target arch, an os-release, an npm package. */
async function writeContext(): Promise<string> {
  const context = join(root, 'ctx')
  await mkdir(context, { recursive: true })
  for (const arch of ['amd64', 'arm64']) await writeFile(join(context, `status-${arch}`), dpkgStatus(arch))
  await writeFile(
    join(context, 'os-release'),
    'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n'
  )
  await writeFile(
    join(context, 'package.json'),
    JSON.stringify({ name: 'left-pad', version: '1.3.0', license: 'WTFPL' })
  )
  await writeFile(
    join(context, 'Dockerfile'),
    [
      `FROM ${testEnv().baseImage}`,
      'ARG TARGETARCH',
      'COPY status-${TARGETARCH} /var/lib/dpkg/status',
      'COPY os-release /etc/os-release',
      'COPY package.json /usr/lib/node_modules/left-pad/package.json',
      ''
    ].join('\n')
  )
  return context
}

async function buildRequest(name: string, platforms: string[]): Promise<BuildRequest> {
  const context = join(root, 'ctx')
  const workDir = join(root, `work-${name}`)
  await mkdir(workDir)
  return {
    context,
    file: join(context, 'Dockerfile'),
    buildArgs: [],
    target: '',
    labels: {},
    platforms,
    noCache: true,
    pull: true,
    secrets: [],
    cacheFrom: [],
    cacheTo: [],
    workDir
  }
}

async function buildLayout(): Promise<string> {
  const platforms = parsePlatforms(['linux/amd64,linux/arm64'])
  const request = await buildRequest('buildah', platforms)
  await ensurePlatformsRunnable(platforms, logger)
  const { cleanup, layoutDir: dir } = await new BuildahBuilder().build(request, logger)
  await cleanup
  return dir
}

function scanner(): SbomScanner {
  const path = join(testEnv().syftBin, 'syft')
  return { path, version: 'test', format: 'spdx-json', source: 'the test environment' }
}

function parse(sbom: PlatformSbom): SpdxDocument {
  return JSON.parse(Buffer.from(sbom.document).toString('utf8')) as SpdxDocument
}

function purls(doc: SpdxDocument): string[] {
  return doc.packages.flatMap(p =>
    (p.externalRefs ?? []).filter(r => r.referenceType === 'purl').map(r => r.referenceLocator)
  )
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'sbom-it-'))
  await writeContext()
  layoutDir = await buildLayout()
  images = (await readBuiltImages(layoutDir)).images
  const temp = join(root, 'temp')
  await mkdir(temp)
  sboms = await generateSboms(layoutDir, images, logger, scanner(), {
    sourceName: SOURCE_NAME,
    tempDir: temp
  })
  for (const s of sboms) await writeFile(`/tmp/sbom-dump-${s.platform.replace('/', '-')}.json`, s.document)
}, 600_000)

afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

describe('generateSboms on a two-platform buildah layout', () => {
  it('returns one SPDX 2.3 document per platform manifest, in the layout order', () => {
    expect(images.map(i => `${i.platform.os}/${i.platform.architecture}`)).toEqual([
      'linux/amd64',
      'linux/arm64'
    ])
    expect(sboms.map(s => [s.platform, s.manifestDigest, s.predicateType])).toEqual(
      images.map(i => [
        `${i.platform.os}/${i.platform.architecture}`,
        i.manifest.digest,
        'https://spdx.dev/Document/v2.3'
      ])
    )
    for (const sbom of sboms) {
      const doc = parse(sbom)
      expect(doc.spdxVersion).toBe('SPDX-2.3')
      expect(doc.name).toBe(SOURCE_NAME)
    }
  })

  it('names what each image contains: the dpkg entry with its own architecture, the npm package', () => {
    const [amd64, arm64] = sboms.map(parse)
    for (const [doc, arch] of [
      [amd64, 'amd64'],
      [arm64, 'arm64']
    ] as const) {
      const probe = doc?.packages.find(p => p.name === 'sbom-probe')
      expect(probe?.versionInfo).toBe('1.2.3-1')
      expect(purls(doc as SpdxDocument)).toContain(
        `pkg:deb/debian/sbom-probe@1.2.3-1?arch=${arch}&distro=debian-12`
      )
      expect(purls(doc as SpdxDocument)).toContain('pkg:npm/left-pad@1.3.0')
    }
  })

  it('describes exactly the manifest of its platform: the root package is that image, by digest', () => {
    for (const [i, sbom] of sboms.entries()) {
      const image = images[i] as LayoutImage
      const root = parse(sbom).packages.find(p => p.name === SOURCE_NAME)
      expect(root?.versionInfo).toBe(image.manifest.digest)
      const hex = image.manifest.digest.replace('sha256:', '')
      expect(purls(parse(sbom))).toContain(
        `pkg:oci/${encodeURIComponent(SOURCE_NAME)}@sha256%3A${hex}?arch=${image.platform.architecture}`
      )
    }
  })

  it('scans each platform on its own: the documents differ where the platforms do', () => {
    const [amd64, arm64] = sboms.map(s => Buffer.from(s.document).toString('utf8'))
    expect(amd64).toContain('arch=amd64')
    expect(amd64).not.toContain('arch=arm64')
    expect(arm64).toContain('arch=arm64')
    expect(arm64).not.toContain('arch=amd64')
  })

  it('runs a syft found on PATH (the PATH prepareScanner looked in), installing nothing', async () => {
    const env = { PATH: `${testEnv().syftBin}:/usr/bin:/bin` }
    const found = await prepareScanner({ format: 'spdx-json' }, logger, {
      downloadUrl: 'http://127.0.0.1:9/none',
      env
    })
    expect(found).toMatchObject({ path: 'syft', version: '1.57.1', source: 'syft 1.57.1 on PATH' })
    const amd64 = images.filter(i => i.platform.architecture === 'amd64')
    const [sbom] = await generateSboms(layoutDir, amd64, logger, found, { sourceName: SOURCE_NAME, env })
    expect(purls(parse(sbom as PlatformSbom))).toContain('pkg:npm/left-pad@1.3.0')
  })

  it("sbomStatements: each platform's document about the pushed manifest of that platform, under every name", async () => {
    // The push reports other digests than the layout's (compression rewrites the manifests).
    const pushed = { 'linux/amd64': `sha256:${'a'.repeat(64)}`, 'linux/arm64': `sha256:${'b'.repeat(64)}` }
    const names = ['registry.example/one/app', 'registry.example/two/app']
    const statements = await sbomStatements(
      layoutDir,
      scanner(),
      { images: names, platformDigests: pushed },
      logger
    )
    expect(statements.map(s => [s.platform, s.subjects, s.predicateType])).toEqual(
      (['linux/amd64', 'linux/arm64'] as const).map(platform => [
        platform,
        names.map(name => ({ name, digest: pushed[platform], platform })),
        'https://spdx.dev/Document/v2.3'
      ])
    )
    const arm64 = statements[1]?.predicate as SpdxDocument
    expect(arm64.name).toBe(names[0])
    expect(purls(arm64)).toContain('pkg:deb/debian/sbom-probe@1.2.3-1?arch=arm64&distro=debian-12')
  })

  it('writes CycloneDX JSON when asked for it', async () => {
    const arm64 = images.filter(i => i.platform.architecture === 'arm64')
    const cyclonedx = { ...scanner(), format: 'cyclonedx-json' as const }
    const [sbom] = await generateSboms(layoutDir, arm64, logger, cyclonedx, { sourceName: SOURCE_NAME })
    expect(sbom?.predicateType).toBe('https://cyclonedx.org/bom')
    const bom = JSON.parse(Buffer.from(sbom?.document ?? []).toString('utf8')) as {
      bomFormat: string
      components: { name: string; purl?: string }[]
    }
    expect(bom.bomFormat).toBe('CycloneDX')
    const componentPurls = bom.components.map(c => c.purl)
    expect(componentPurls).toContain('pkg:npm/left-pad@1.3.0')
    expect(componentPurls).toContain('pkg:deb/debian/sbom-probe@1.2.3-1?arch=arm64&distro=debian-12')
  })

  it('names no temporary path and leaves nothing behind', async () => {
    for (const sbom of sboms) {
      const text = Buffer.from(sbom.document).toString('utf8')
      expect(text).not.toContain(root)
      expect(text).not.toContain('publish-image-sbom-')
    }
    expect(await readdir(join(root, 'temp'))).toEqual([])
  })
})

describe("generateSboms on the layouts of docker and buildx (this machine's platform)", () => {
  const builders: Record<string, () => Promise<string>> = {
    docker: async () => {
      const request = await buildRequest('docker', [])
      const built = await new DockerBuilder().build(
        { ...request, network: 'host', env: { DOCKER_HOST: testEnv().dockerHost } },
        logger
      )
      await built.cleanup
      return built.layoutDir
    },
    buildx: async () => {
      const built = await new BuildxBuilder().build(await buildRequest('buildx', []), logger)
      await built.cleanup
      return built.layoutDir
    }
  }

  it.each(Object.keys(builders))('%s: the scan finds the dpkg entry and the npm package', async name => {
    const dir = await (builders[name] as () => Promise<string>)()
    const built = (await readBuiltImages(dir)).images
    expect(built).toHaveLength(1)
    const [sbom] = await generateSboms(dir, built, logger, scanner(), { sourceName: SOURCE_NAME })
    const doc = parse(sbom as PlatformSbom)
    expect(doc.packages.find(p => p.name === SOURCE_NAME)?.versionInfo).toBe(built[0]?.manifest.digest)
    expect(purls(doc)).toContain('pkg:npm/left-pad@1.3.0')
    expect(purls(doc).some(p => p.startsWith('pkg:deb/debian/sbom-probe@1.2.3-1?arch='))).toBe(true)
  })
})
