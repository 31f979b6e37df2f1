import { beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { runAction, type ActionRun, type RunOptions } from '../../../scripts/run-action.mjs'
import { makeContext } from '../../support/e2e.js'
import { BUILDX_BUILD_LINE, buildxBuildLine, buildxBuilders } from '../../support/buildx.js'
import { testEnv, uniqueRepo } from '../../support/env.js'

// With DOCKER_HOST at the test dockerd, the current buildx builder is that engine's `docker` driver,
// which cannot export OCI (engine 20.10, no containerd image store): the action creates a temporary
// docker-container builder. Its moby/buildkit image cannot be pulled here (no internet), so these builds
// fail — which is what tests the clean-up: the builder is removed on failure and after a kill.

const NAME = /creating the temporary docker-container builder (publish-image-[0-9a-f]{12})/

function containers(dockerHost: string): string[] {
  const out = execFileSync('docker', ['ps', '-a', '--format', '{{.Names}}'], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: dockerHost }
  })
  return out.split('\n').filter(Boolean)
}

async function buildOnEngine(interrupt?: RunOptions['interrupt']): Promise<ActionRun> {
  const env = testEnv()
  const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN true\n` })
  return runAction({
    cwd: context,
    env: { DOCKER_HOST: env.dockerHost },
    inputs: {
      registry: env.registry,
      images: `${env.registry}/${uniqueRepo('e2e-buildx-tmp')}`,
      builder: 'buildx',
      password: ''
    },
    ...(interrupt ? { interrupt } : {})
  })
}

describe('dist/index.js with buildx on an engine whose builder cannot export OCI', () => {
  const env = testEnv()
  let run: ActionRun
  let name: string

  beforeAll(async () => {
    run = await buildOnEngine()
    name = NAME.exec(run.stdout)?.[1] ?? ''
  }, 300000)

  it('says why, and creates a uniquely named docker-container builder for this build', () => {
    expect(run.stdout).toMatch(
      /the current builder \S+ uses the 'docker' driver, which cannot export an OCI layout/
    )
    expect(name).not.toBe('')
    expect(run.stdout).toMatch(
      new RegExp(
        `^\\$ (docker buildx|\\S+/docker-buildx) create --name ${name} --driver docker-container`,
        'm'
      )
    )
    expect(buildxBuildLine(run.stdout)).toMatch(new RegExp(`${BUILDX_BUILD_LINE.source}--builder ${name} `))
  })

  it('fails the build (no moby/buildkit image here) and removes the builder in the main step', () => {
    expect(run.exitCode).not.toBe(0)
    expect(run.stdout).toContain(`buildx: removed the temporary builder ${name}`)
    expect(run.state.buildxBuilder).toBe('')
    expect(buildxBuilders({ DOCKER_HOST: env.dockerHost })).not.toContain(name)
    expect(containers(env.dockerHost).filter(c => c.includes(name))).toEqual([])
    expect(run.post?.exitCode).toBe(0)
  })
})

describe('dist/index.js with buildx, killed after creating its temporary builder', () => {
  const env = testEnv()
  let run: ActionRun
  let name: string

  beforeAll(async () => {
    // SIGKILL: the main step cannot clean up; the post step must (a runner does run post after a kill).
    run = await buildOnEngine({
      when: out => /build --builder publish-image-/.test(out),
      signal: 'SIGKILL'
    })
    name = NAME.exec(run.stdout)?.[1] ?? ''
  }, 300000)

  it('left the name in the action state, and the post step removed the builder', () => {
    expect(name).not.toBe('')
    expect(run.state.buildxBuilder).toBe(name)
    expect(run.post?.stdout).toContain(`Removed the temporary buildx builder ${name}`)
    expect(run.post?.exitCode).toBe(0)
    expect(buildxBuilders({ DOCKER_HOST: env.dockerHost })).not.toContain(name)
  })
})
