import { describe, expect, it, beforeAll } from '@jest/globals'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { buildThenAccessCheck, imageConfig, rawManifest, sha256 } from '../../support/e2e.js'

describe('dist/index.js publishes a one-platform buildah image to the real registry', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-buildah')}`
  let run: ActionRun
  let context: string

  beforeAll(async () => {
    context = await mkdtemp(join(tmpdir(), 'e2e-context-'))
    await writeFile(join(context, 'Dockerfile'), `FROM ${env.baseImage}\nRUN echo built > /built.txt\n`)
    run = await runAction({
      cwd: context,
      inputs: {
        registry: env.registry,
        images: image,
        tags: 'type=ref,event=branch\ntype=sha\ntype=raw,value=Stable-1',
        builder: 'buildah',
        description: 'An end-to-end test image',
        licenses: 'MIT',
        password: ''
      }
    })
  }, 300000)

  it('checks push access once the build command has started, while it runs', () => {
    const { build, check, buildEnd } = buildThenAccessCheck(run.stdout, 'buildah build')
    expect(build).toBeGreaterThan(-1)
    expect(check).toBeGreaterThan(build)
    expect(check).toBeLessThan(buildEnd)
  })

  it('succeeds, main and post', () => {
    // Workflow commands (::error::) go to stdout.
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(run.post?.exitCode).toBe(0)
  })

  it('outputs the digest the registry serves, and skopeo agrees', () => {
    const digest = run.outputs.digest ?? ''
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const byTag = rawManifest(`${image}:main`)
    expect(sha256(byTag.body)).toBe(digest)
    expect(byTag.json.mediaType).toBe('application/vnd.oci.image.manifest.v1+json')
  })

  it('writes every tag, never lowercased, all resolving to the digest', () => {
    // metadata-action order: by priority (ref 600, raw 200, sha 100)
    expect(run.outputs['tag-names']?.split('\n')).toEqual(['main', 'Stable-1', 'sha-0123456'])
    expect(run.outputs.tags?.split('\n')).toEqual([
      `${image}:main`,
      `${image}:Stable-1`,
      `${image}:sha-0123456`
    ])
    for (const tag of ['main', 'sha-0123456', 'Stable-1']) {
      expect(sha256(rawManifest(`${image}:${tag}`).body)).toBe(run.outputs.digest)
    }
  })

  it('sets imageid to the config digest and refs to image@digest', () => {
    const manifest = rawManifest(`${image}@${run.outputs.digest}`).json as { config: { digest: string } }
    expect(run.outputs.imageid).toBe(manifest.config.digest)
    expect(run.outputs.refs).toBe(`${image}@${run.outputs.digest}`)
    const platforms = JSON.parse(run.outputs['platform-digests'] ?? '{}') as Record<string, string>
    expect(Object.values(platforms)).toEqual([run.outputs.digest])
  })

  it('labels the image config for GHCR', () => {
    const labels = imageConfig(`${image}@${run.outputs.digest}`).config?.Labels ?? {}
    expect(labels['org.opencontainers.image.description']).toBe('An end-to-end test image')
    expect(labels['org.opencontainers.image.licenses']).toBe('MIT')
    expect(labels['org.opencontainers.image.revision']).toBe('0123456789abcdef0123456789abcdef01234567')
  })

  it('puts the manifest-level annotations on the manifest', () => {
    const manifest = rawManifest(`${image}:main`).json as { annotations?: Record<string, string> }
    expect(manifest.annotations?.['org.opencontainers.image.description']).toBe('An end-to-end test image')
  })

  it('reports metadata and a summary, and leaves nothing in RUNNER_TEMP', () => {
    const metadata = JSON.parse(run.outputs.metadata ?? '{}') as Record<string, unknown>
    expect(metadata.digest).toBe(run.outputs.digest)
    expect(run.summary).toContain(`docker pull ${image}@${run.outputs.digest}`)
    expect(run.leftovers).toEqual([])
  })
})
