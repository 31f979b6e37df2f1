import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { execCommand } from '../../exec.js'
import { dockerEnv } from '../credentials.js'
import { secretValues } from '../options/secrets.js'
import { extractTar, importArchive } from '../layout/archive.js'
import { completeLayout, type FoundImage } from '../layout/normalize.js'
import { runLogged, runQuietly } from '../output.js'
import { envSecretsToFiles } from '../secret-files.js'
import type { Builder, BuildRequest, BuildResult, Env, Logger, Runner } from '../types.js'
import { dockerBuildArgs, dockerSaveArgs, dockerSupportsEnvSecrets } from './args.js'
import { dockerBuildEnv, findDockerClient, type DockerClient } from './client.js'

interface DockerBuild {
  req: BuildRequest
  client: DockerClient
  env: Env
  secrets: string[]
  logger: Logger
}

/**
 * `docker build` into the engine, one platform at a time, then `docker save` of each image converted into
 * one OCI layout. The images are untagged again afterwards.
 */
export class DockerBuilder implements Builder {
  readonly name = 'docker' as const

  constructor(private readonly run: Runner = execCommand) {}

  async build(req: BuildRequest, logger: Logger): Promise<BuildResult> {
    const layoutDir = join(req.workDir, 'oci')
    const secretDir = join(req.workDir, 'secrets')
    const { env: baseEnv, cleanup } = await dockerEnv(req)
    try {
      const { client, reason } = await findDockerClient(baseEnv, this.run)
      logger.info(`docker builder: ${reason}`)
      if (client.mode === 'classic')
        logger.warning('docker builds with the deprecated classic builder (no BuildKit)')
      const fileSecrets = dockerSupportsEnvSecrets(client)
        ? req.secrets
        : await envSecretsToFiles(req.secrets, secretDir, req.env)
      const build: DockerBuild = {
        req: { ...req, secrets: fileSecrets },
        client,
        env: { ...baseEnv, ...dockerBuildEnv(client.mode) },
        secrets: await secretValues(req.secrets, req.env),
        logger
      }
      const platforms = await completeLayout(layoutDir, req, async () => {
        const images: FoundImage[] = []
        for (const platform of req.platforms.length > 0 ? req.platforms : [undefined]) {
          images.push(...(await this.buildOne(build, platform, layoutDir)))
        }
        return images
      })
      return { builder: 'docker', layoutDir, platforms }
    } finally {
      await rm(secretDir, { recursive: true, force: true })
      await cleanup()
    }
  }

  /** `load: true`: the built image keeps the run's tags in the engine, for later steps. */
  private async loadAs(b: DockerBuild, tag: string): Promise<void> {
    if (!b.req.extras?.load) return
    for (const ref of b.req.loadTags ?? []) {
      await this.run(b.client.path, ['tag', tag, ref], { env: b.env })
      b.logger.info(`docker: loaded as ${ref}`)
    }
  }

  private async buildOne(
    b: DockerBuild,
    platform: string | undefined,
    layoutDir: string
  ): Promise<FoundImage[]> {
    const id = randomUUID()
    const tag = `publish-image-build:${id}`
    const tarFile = join(b.req.workDir, `${id}.tar`)
    const extracted = join(b.req.workDir, id)
    const docker = b.client.path
    let built = false
    try {
      const args = dockerBuildArgs(b.req, b.client, platform, tag)
      await runLogged(this.run, b.logger, docker, args, {
        env: b.env,
        secrets: b.secrets,
        signal: b.req.signal,
        onStarted: b.req.onBuildStarted
      })
      built = true
      await this.loadAs(b, tag)
      await this.run(docker, dockerSaveArgs(tag, tarFile), { env: b.env, signal: b.req.signal })
      await extractTar(tarFile, extracted, this.run, b.req.signal)
      return await importArchive(extracted, layoutDir)
    } finally {
      if (built) await runQuietly(this.run, b.logger, docker, ['image', 'rm', tag], b.env)
      await rm(tarFile, { force: true })
      await rm(extracted, { recursive: true, force: true })
    }
  }
}
