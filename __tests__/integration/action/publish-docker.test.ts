import { beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import {
  type Manifest,
  buildThenAccessCheck,
  imageConfig,
  keyValues,
  makeContext,
  pullImage,
  rawManifest,
  sha256,
  tarFiles
} from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'

describe('dist/index.js publishes a one-platform image built by the docker builder', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-docker')}`
  const payload = `copied by the docker builder ${Date.now()}\n`
  let run: ActionRun
  let served: { body: Buffer; json: Manifest }

  beforeAll(async () => {
    // The test dockerd has no network (--bridge=none): COPY only, no RUN.
    const context = await makeContext({
      Dockerfile: `FROM ${env.baseImage}\nCOPY payload.txt /payload.txt\nCOPY data.bin /data.bin\n`,
      'payload.txt': payload
    })
    await writeFile(join(context, 'data.bin'), randomBytes(3 * 1024 * 1024))
    run = await runAction({
      cwd: context,
      env: { DOCKER_HOST: env.dockerHost, RUNNER_DEBUG: '1' },
      inputs: {
        registry: env.registry,
        images: image,
        tags: 'type=ref,event=branch\ntype=raw,value=docker-1',
        builder: 'docker',
        description: 'Built by dockerd',
        licenses: 'MIT',
        password: ''
      }
    })
    if (run.exitCode === 0) served = rawManifest(`${image}:main`)
  }, 300000)

  // docker hands its layers over at the end (docker save): they are compressed during the push.
  it('uploads the config while the layers are still being compressed and uploaded', () => {
    const manifest = served.json
    const hex = (digest: string) => digest.replace('sha256:', '')
    const configHead = run.stdout.search(new RegExp(`HEAD \\S+/blobs/sha256:${hex(manifest.config!.digest)}`))
    const streamed = manifest.layers!.at(-1)! // COPY data.bin
    const layerDone = run.stdout.search(new RegExp(`PUT \\S+digest=sha256%(25)?3A${hex(streamed.digest)}`))
    expect(configHead).toBeGreaterThan(-1)
    expect(layerDone).toBeGreaterThan(configHead)
  })

  it('checks push access once the build command has started, while it runs', () => {
    const { build, check, buildEnd } = buildThenAccessCheck(run.stdout, 'docker build')
    expect(build).toBeGreaterThan(-1)
    expect(check).toBeGreaterThan(build)
    expect(check).toBeLessThan(buildEnd)
  })

  it('succeeds, main and post, leaving nothing in RUNNER_TEMP', () => {
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(run.post?.exitCode).toBe(0)
    expect(run.leftovers).toEqual([])
  })

  it('pushes a plain image manifest, no index, whose bytes hash to the digest output', () => {
    expect(served.json.manifests).toBeUndefined()
    expect(served.json.config?.digest).toMatch(/^sha256:/)
    expect(served.json.layers?.length).toBeGreaterThan(0)
    expect(sha256(served.body)).toBe(run.outputs.digest)
    expect(run.outputs.imageid).toBe(served.json.config?.digest)
    expect(JSON.parse(run.outputs['platform-digests'] ?? '{}')).toEqual({ 'linux/amd64': run.outputs.digest })
  })

  it('labels the config, and the image holds what the Dockerfile copied', async () => {
    const labels = keyValues(run.outputs.labels)
    expect(labels['org.opencontainers.image.description']).toBe('Built by dockerd')
    const config = imageConfig(`${image}@${run.outputs.digest}`)
    expect(config.config?.Labels).toMatchObject(labels)
    expect(config.architecture).toBe('amd64')
    const pulled = await pullImage(`${image}@${run.outputs.digest}`)
    const files = pulled.layers.map(l => tarFiles(l.tar).get('payload.txt')).filter(f => f !== undefined)
    expect(files.map(f => f.toString('utf8'))).toEqual([payload])
  })

  it('points every tag at the digest', () => {
    expect(run.outputs.tags?.split('\n')).toEqual([`${image}:main`, `${image}:docker-1`])
    for (const tag of ['main', 'docker-1'])
      expect(sha256(rawManifest(`${image}:${tag}`).body)).toBe(run.outputs.digest)
    expect(run.outputs.refs).toBe(`${image}@${run.outputs.digest}`)
  })
})

describe('dist/index.js publishes a two-platform image built by the docker builder', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-docker-multi')}`
  let run: ActionRun
  let index: { body: Buffer; json: Manifest }

  beforeAll(async () => {
    // One `docker build --platform` per platform; COPY only, so no emulation is needed.
    const context = await makeContext({
      Dockerfile: `FROM ${env.baseImage}\nCOPY payload.txt /payload.txt\n`,
      'payload.txt': 'two platforms\n'
    })
    run = await runAction({
      cwd: context,
      env: { DOCKER_HOST: env.dockerHost },
      inputs: {
        registry: env.registry,
        images: image,
        tags: 'type=raw,value=multi',
        builder: 'docker',
        platforms: 'linux/amd64,linux/arm64',
        description: 'Two platforms from dockerd',
        password: ''
      }
    })
    if (run.exitCode === 0) index = rawManifest(`${image}:multi`)
  }, 300000)

  it('tags an OCI index of both platforms whose bytes hash to the digest output', () => {
    expect(run.exitCode).toBe(0)
    expect(index.json.mediaType).toBe('application/vnd.oci.image.index.v1+json')
    expect(sha256(index.body)).toBe(run.outputs.digest)
    expect(index.json.annotations?.['org.opencontainers.image.description']).toBe(
      'Two platforms from dockerd'
    )
  })

  it('lists each platform manifest, whose config has that architecture and the labels', () => {
    const platforms = JSON.parse(run.outputs['platform-digests'] ?? '{}') as Record<string, string>
    expect(Object.keys(platforms).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    const children = (index.json.manifests ?? []).map(m => [
      `${m.platform?.os}/${m.platform?.architecture}`,
      m.digest
    ])
    expect(Object.fromEntries(children)).toEqual(platforms)
    for (const [platform, digest] of Object.entries(platforms)) {
      const config = imageConfig(`${image}@${digest}`)
      expect(`${config.os}/${config.architecture}`).toBe(platform)
      expect(config.config?.Labels?.['org.opencontainers.image.description']).toBe(
        'Two platforms from dockerd'
      )
    }
  })
})
