import { beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { makeContext } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'

function imageIdIn(dockerHost: string, ref: string): string | undefined {
  try {
    return execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: dockerHost },
      stdio: ['ignore', 'pipe', 'ignore']
    }).trim()
  } catch {
    return undefined
  }
}

describe('dist/index.js with load: true', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-load')}`
  let docker: ActionRun
  let buildah: ActionRun
  let multi: ActionRun
  let buildx: ActionRun

  beforeAll(async () => {
    const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nCOPY Dockerfile /loaded\n` })
    const inputs = {
      registry: env.registry,
      images: image,
      tags: 'type=raw,value=loaded',
      load: 'true',
      password: ''
    }
    docker = await runAction({
      cwd: context,
      env: { DOCKER_HOST: env.dockerHost },
      inputs: { ...inputs, builder: 'docker' }
    })
    buildah = await runAction({ cwd: context, inputs: { ...inputs, builder: 'buildah' } })
    multi = await runAction({
      cwd: context,
      inputs: { ...inputs, builder: 'buildx', platforms: 'linux/amd64,linux/arm64' }
    })
    // The test BuildKit (a remote builder, never a docker-container one: that would pull its image),
    // loading into the test engine; the OCI export the push uses is a second exporter beside --load.
    buildx = await runAction({
      cwd: context,
      env: { DOCKER_HOST: env.dockerHost, BUILDX_BUILDER: 'publish-image-testenv' },
      inputs: { ...inputs, tags: 'type=raw,value=loaded-buildx', builder: 'buildx' }
    })
  }, 300000)

  it('the docker builder leaves the image in the engine under its tag, the pushed config as its ID', () => {
    expect(docker.stdout).not.toMatch(/::error/)
    expect(docker.exitCode).toBe(0)
    expect(imageIdIn(env.dockerHost, `${image}:loaded`)).toBe(docker.outputs.imageid)
  })

  it('buildx loads one platform into the engine and pushes the image it exported', () => {
    expect(buildx.stdout).not.toMatch(/::error/)
    expect(buildx.exitCode).toBe(0)
    expect(buildx.stdout).toContain('--load')
    expect(imageIdIn(env.dockerHost, `${image}:loaded-buildx`)).toBe(buildx.outputs.imageid)
  })

  it('buildah fails before building, naming the builder and the input', () => {
    expect(buildah.exitCode).not.toBe(0)
    expect(buildah.stdout).toContain("input 'load': the buildah builder does not support load")
    expect(buildah.stdout).not.toContain('$ buildah')
  })

  it('two platforms cannot be loaded', () => {
    expect(multi.exitCode).not.toBe(0)
    expect(multi.stdout).toContain("input 'load'")
    expect(multi.stdout).toContain('2 platforms')
  })
})
