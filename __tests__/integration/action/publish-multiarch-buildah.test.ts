import { execFileSync } from 'node:child_process'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import {
  annotationsAt,
  imageConfig,
  keyValues,
  makeContext,
  OCI_INDEX,
  OCI_MANIFEST,
  rawManifest,
  sha256,
  type Descriptor,
  type Manifest
} from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'

const GHCR_KEYS = [
  'org.opencontainers.image.source',
  'org.opencontainers.image.description',
  'org.opencontainers.image.licenses'
]

describe('dist/index.js publishes a linux/amd64 + linux/arm64 buildah image as an OCI index', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-multiarch')}`
  let run: ActionRun
  let index: { body: Buffer; json: Manifest }
  let children: Descriptor[]

  beforeAll(async () => {
    const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN echo built > /built.txt\n` })
    run = await runAction({
      cwd: context,
      inputs: {
        registry: env.registry,
        images: image,
        tags: 'type=ref,event=branch\ntype=raw,value=multi',
        platforms: 'linux/amd64,linux/arm64',
        builder: 'buildah',
        description: 'A two-platform end-to-end image',
        licenses: 'Apache-2.0 OR MIT',
        password: ''
      }
    })
    if (run.exitCode === 0) {
      index = rawManifest(`${image}:main`)
      children = index.json.manifests ?? []
    }
  }, 600000)

  it('succeeds, main and post', () => {
    // Workflow commands (::error::) go to stdout.
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(run.post?.exitCode).toBe(0)
  })

  it('tags an OCI image index carrying the GHCR annotations', () => {
    expect(index.json.mediaType).toBe(OCI_INDEX)
    const annotations = index.json.annotations ?? {}
    expect(annotations['org.opencontainers.image.description']).toBe('A two-platform end-to-end image')
    expect(annotations['org.opencontainers.image.licenses']).toBe('Apache-2.0 OR MIT')
    expect(annotations['org.opencontainers.image.source']).toBe('https://github.com/octo-org/hello-world')
    // …and exactly what the annotations output announced for the index level
    const announced = annotationsAt(run.outputs.annotations, 'index')
    for (const key of GHCR_KEYS) expect(announced[key]).toBe(annotations[key])
    expect(annotations).toMatchObject(announced)
  })

  it('outputs as digest the sha256 of the index bytes the registry serves', () => {
    expect(run.outputs.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(sha256(index.body)).toBe(run.outputs.digest)
  })

  it('outputs platform-digests equal to the index children, each of its own architecture', () => {
    expect(children.map(c => c.platform?.architecture).sort()).toEqual(['amd64', 'arm64'])
    const fromIndex = Object.fromEntries(
      children.map(c => [`${c.platform?.os}/${c.platform?.architecture}`, c.digest])
    )
    const output = JSON.parse(run.outputs['platform-digests'] ?? '{}') as Record<string, string>
    expect(Object.keys(output).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    expect(output).toEqual(fromIndex)
    for (const child of children) {
      const config = imageConfig(`${image}@${child.digest}`)
      expect(config.os).toBe(child.platform?.os)
      expect(config.architecture).toBe(child.platform?.architecture)
    }
  })

  it('builds the platforms at once, each in a containers storage of its own, into dir: (no list to export)', () => {
    const lines = run.stdout.split('\n')
    const builds = lines.flatMap((line, i) =>
      /^(\[\S+\] )?\$ buildah /.test(line) && line.includes(' build ') ? [i] : []
    )
    expect(builds).toHaveLength(2)
    const platformsOf = (i: number) => /--platform (\S+)/.exec(lines[i]!)?.[1]
    expect(builds.map(platformsOf).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    // Both started before either committed; writing one storage they would race on the name of the
    // multi-platform base tag ("image not known", or the other architecture's base): each has its own root.
    const firstCommit = lines.findIndex(line => /^\[\S+\] COMMIT/.test(line))
    expect(firstCommit).toBeGreaterThan(0)
    expect(Math.max(...builds)).toBeLessThan(firstCommit)
    expect(builds.filter(i => lines[i]!.includes('$ buildah --root ')).length).toBe(2)
    expect(run.stdout).not.toContain('$ buildah manifest push')
    expect(run.stdout).not.toContain('could not remove the temporary containers storage')
  })

  it('gives each platform the base image layer of its own architecture', () => {
    const base = rawManifest(env.baseImage).json.manifests ?? []
    for (const child of children) {
      const own = base.find(m => m.platform?.architecture === child.platform?.architecture)!
      const baseLayers = rawManifest(`${env.baseImage.replace(/:[^/:]+$/, '')}@${own.digest}`).json.layers!
      const layers = rawManifest(`${image}@${child.digest}`).json.layers!
      expect(layers[0]!.digest).toBe(baseLayers[0]!.digest)
    }
  })

  it('puts the manifest-level annotations on each platform manifest, served under its digest', () => {
    const expected = annotationsAt(run.outputs.annotations, 'manifest')
    for (const key of GHCR_KEYS) expect(expected[key]).toBeTruthy()
    for (const child of children) {
      const manifest = rawManifest(`${image}@${child.digest}`)
      expect(sha256(manifest.body)).toBe(child.digest)
      expect(manifest.json.mediaType).toBe(OCI_MANIFEST)
      expect(manifest.json.annotations).toMatchObject(expected)
    }
  })

  it('labels each platform config', () => {
    const labels = keyValues(run.outputs.labels)
    expect(labels['org.opencontainers.image.description']).toBe('A two-platform end-to-end image')
    expect(labels['org.opencontainers.image.licenses']).toBe('Apache-2.0 OR MIT')
    expect(labels['org.opencontainers.image.revision']).toBe('0123456789abcdef0123456789abcdef01234567')
    for (const child of children) {
      expect(imageConfig(`${image}@${child.digest}`).config?.Labels).toMatchObject(labels)
    }
  })

  it('points every tag at the digest and outputs refs and imageid', () => {
    expect(run.outputs['tag-names']?.split('\n')).toEqual(['main', 'multi'])
    for (const ref of run.outputs.tags?.split('\n') ?? []) {
      expect(sha256(rawManifest(ref).body)).toBe(run.outputs.digest)
    }
    expect(run.outputs.refs).toBe(`${image}@${run.outputs.digest}`)
    const first = rawManifest(`${image}@${children[0]?.digest}`).json
    expect(run.outputs.imageid).toBe(first.config?.digest)
  })

  it('writes a pull-by-digest line in the summary and leaves nothing in RUNNER_TEMP', () => {
    expect(run.summary).toContain(`docker pull ${image}@${run.outputs.digest}`)
    for (const child of children) expect(run.summary).toContain(child.digest)
    expect(run.leftovers).toEqual([])
  })
})

describe('two buildah platforms FROM images only this machine has (built earlier in the job)', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-local-base')}`
  const local = `localhost/${uniqueRepo('local-base').replace(/\//g, '-')}`
  let run: ActionRun

  beforeAll(async () => {
    // One local image per architecture, never pushed: the platform building in a store of its own
    // finds its own through the caller's storage, read-only.
    for (const arch of ['amd64', 'arm64']) {
      const container = execFileSync('buildah', ['from', '-q', '--arch', arch, env.baseImage])
        .toString()
        .trim()
      execFileSync('buildah', ['commit', '-q', container, `${local}-${arch}:1`])
      execFileSync('buildah', ['rm', container])
    }
    const context = await makeContext({
      Dockerfile: `ARG TARGETARCH\nFROM ${local}-\${TARGETARCH}:1\nRUN uname -m > /arch\n`
    })
    run = await runAction({
      cwd: context,
      inputs: {
        registry: env.registry,
        images: image,
        tags: 'type=raw,value=local',
        platforms: 'linux/amd64,linux/arm64',
        builder: 'buildah',
        password: ''
      }
    })
    for (const arch of ['amd64', 'arm64']) execFileSync('buildah', ['rmi', `${local}-${arch}:1`])
  }, 600000)

  it('builds both at once, each on its own local base', () => {
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toMatch(/\[linux\/arm64\] \$ buildah --root .* --storage-opt overlay\.imagestore=/)
    const children = rawManifest(`${image}:local`).json.manifests ?? []
    expect(children.map(c => c.platform?.architecture).sort()).toEqual(['amd64', 'arm64'])
    for (const child of children) {
      expect(imageConfig(`${image}@${child.digest}`).architecture).toBe(child.platform?.architecture)
    }
  })
})
