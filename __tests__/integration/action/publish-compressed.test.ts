import { describe, expect, it, beforeAll } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { execFileSync } from 'node:child_process'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { rawManifest, sha256, type Descriptor } from '../../support/e2e.js'

/** The registry's bytes of a blob, fetched with curl (plain HTTP loopback registry). */
function blob(repository: string, digest: string): Buffer {
  const [host, ...path] = repository.split('/')
  return execFileSync('curl', ['-sSfL', `http://${host}/v2/${path.join('/')}/blobs/${digest}`], {
    maxBuffer: 64 << 20
  })
}

function layersOf(ref: string): Descriptor[] {
  return (rawManifest(ref).json.layers ?? []) as Descriptor[]
}

describe('dist/index.js compresses layers once while uploading, mounts base layers, re-pushes nothing', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-compress')}`
  const baseRepo = env.baseImage.replace(/:[^/:]+$/, '')
  let first: ActionRun
  let again: ActionRun
  let context: string

  beforeAll(async () => {
    context = await mkdtemp(join(tmpdir(), 'e2e-context-'))
    await writeFile(join(context, 'data.bin'), randomBytes(3 * 1024 * 1024))
    await writeFile(
      join(context, 'Dockerfile'),
      `ARG BASE=${env.baseImage}\nFROM $BASE\nCOPY data.bin /data.bin\n`
    )
    const run = () =>
      runAction({
        cwd: context,
        env: { RUNNER_DEBUG: '1' },
        inputs: {
          registry: env.registry,
          images: image,
          tags: 'type=raw,value=v1',
          builder: 'buildah',
          password: ''
        }
      })
    first = await run()
    again = await run()
  }, 300000)

  it('succeeds twice; the tag has the digest the action reported, with the same layers', () => {
    expect(first.exitCode).toBe(0)
    expect(again.exitCode).toBe(0)
    expect(sha256(rawManifest(`${image}:v1`).body)).toBe(again.outputs.digest)
    const layersOfRun = (run: ActionRun) => layersOf(`${image}@${run.outputs.digest}`)
    expect(layersOfRun(again)).toEqual(layersOfRun(first))
  })

  it('keeps the base layer byte-identical: same digest as in the base image, mounted, not uploaded', () => {
    const base = rawManifest(env.baseImage).json
    const amd64 = base.manifests!.find(m => m.platform?.architecture === 'amd64')!
    const baseLayer = layersOf(`${baseRepo}@${amd64.digest}`)[0]!
    const layers = layersOf(`${image}:v1`)
    expect(layers[0]).toEqual(baseLayer)
    expect(first.stdout).toMatch(
      /2 uncompressed layers: 1 already in the registry \(mounted or found, not recompressed\), 1 compressed \(gzip\)/
    )
    // Mounted from the base repository (201): none of its bytes sent.
    expect(first.stdout).toMatch(
      new RegExp(`POST \\S+/blobs/uploads/\\?mount=${baseLayer.digest}&from=base%(25)?2Fbusybox → 201`)
    )
    // multiWrite then has the config only: the streamed layer is in the one target already (no HEAD for
    // it, no copy of it spooled), the base layer mounted.
    expect(first.stdout).toMatch(/: 1 blobs \(1 uploaded, 0 mounted, 0 already there\)/)
    const streamed = layersOf(`${image}@${first.outputs.digest}`)[1]!
    expect(first.stdout).not.toMatch(new RegExp(`HEAD \\S+/blobs/${streamed.digest}`))
  })

  it('starts the gzip workers while the build runs, before the push', () => {
    const warmed = first.stdout.search(/::debug::gzip: [1-9]\d* deflate workers started/)
    expect(warmed).toBeGreaterThan(-1)
    expect(warmed).toBeLessThan(first.stdout.indexOf('::group::Push'))
  })

  it('uploads the config while the layer is still being compressed and uploaded', () => {
    const manifest = rawManifest(`${image}@${first.outputs.digest}`).json
    const hex = (digest: string) => digest.replace('sha256:', '')
    const configHead = first.stdout.search(
      new RegExp(`HEAD \\S+/blobs/sha256:${hex(manifest.config!.digest)}`)
    )
    const streamed = layersOf(`${image}@${first.outputs.digest}`)[1]!
    const layerDone = first.stdout.search(new RegExp(`PUT \\S+digest=sha256%(25)?3A${hex(streamed.digest)}`))
    expect(configHead).toBeGreaterThan(-1)
    expect(layerDone).toBeGreaterThan(configHead)
  })

  it('serves gzip layers whose uncompressed digests are the config diff_ids', () => {
    const manifest = rawManifest(`${image}:v1`).json
    const config = JSON.parse(blob(image, manifest.config!.digest).toString('utf8')) as {
      rootfs: { diff_ids: string[] }
    }
    const layers = manifest.layers!
    expect(layers.slice(1).every(l => l.mediaType === 'application/vnd.oci.image.layer.v1.tar+gzip')).toBe(
      true
    )
    layers.forEach((layer, i) => {
      const bytes = blob(image, layer.digest)
      expect(sha256(bytes)).toBe(layer.digest)
      expect(bytes.length).toBe(layer.size)
      expect(sha256(gunzipSync(bytes))).toBe(config.rootfs.diff_ids[i])
    })
  })

  // The config differs (the created label), so it is the one blob uploaded again.
  it('re-push compresses no layer and uploads none', () => {
    expect(again.stdout).toMatch(/2 uncompressed layers: 2 already in the registry .*, 0 compressed/)
    expect(again.stdout).toMatch(/: 1 blobs \(1 uploaded, 0 mounted, 0 already there\)/)
  })
})
