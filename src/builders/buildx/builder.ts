import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { execCommand } from '../../exec.js'
import { dockerEnv } from '../credentials.js'
import { secretValues } from '../options/secrets.js'
import { unpackWhileProducing } from '../layout/archive.js'
import { completeLayout, layoutImages } from '../layout/normalize.js'
import { runLogged, runQuietly } from '../output.js'
import type { Builder, BuildRequest, BuildResult, Env, Logger, Runner } from '../types.js'
import { extractVersion } from '../version.js'
import {
  buildxBuildArgs,
  buildxCreateArgs,
  buildxRmArgs,
  driverExportsOci,
  parseBuildxDriver,
  temporaryBuilderName,
  usesContainerdStore
} from './args.js'
import { checkExportMatchesMetadata, readBuildxMetadata } from './metadata.js'
import { namedBuilderFromStore } from './named-builder.js'

export async function buildxVersion(env: Env, run: Runner): Promise<string> {
  const { stdout } = await run('docker', ['buildx', 'version'], { env })
  const version = extractVersion(stdout)
  if (!version)
    throw new Error(`cannot read the version from \`docker buildx version\`: ${stdout.slice(0, 200)}`)
  return version
}

/**
 * `docker buildx build --output type=oci`. The current builder is used as it is when it can export OCI
 * (docker-container, remote, kubernetes drivers, or the docker driver over the containerd image store).
 * Otherwise (the `docker` driver of a fresh runner) a uniquely named docker-container builder is created
 * for this build and removed afterwards — on success, failure and cancel; its name is also handed to
 * `req.onTemporaryBuilder` so the post step can remove it if this process is killed first.
 */
export class BuildxBuilder implements Builder {
  readonly name = 'buildx' as const

  /**
   * `env`: extra environment for every docker command, e.g. the DOCKER_CONFIG of a buildx installed for
   * this run. `version`: buildx's, when the selection already asked.
   */
  constructor(
    private readonly run: Runner = execCommand,
    private readonly env: Env = {},
    private readonly version?: string
  ) {}

  async build(req: BuildRequest, logger: Logger): Promise<BuildResult> {
    const layoutDir = join(req.workDir, 'oci')
    const metadataFile = join(req.workDir, 'buildx-metadata.json')
    const { env, cleanup } = await dockerEnv(
      { ...req, env: { ...req.env, ...this.env } },
      { buildxStore: true }
    )
    let temporaryBuilder: string | undefined
    try {
      const version = this.version ?? (await buildxVersion(env, this.run))
      if (!(await this.currentBuilderExportsOci(env, logger))) {
        temporaryBuilder = temporaryBuilderName()
        await this.createBuilder(temporaryBuilder, env, req, logger)
      }
      // The OCI tarball comes on buildx's stdout, unpacked as it comes (see args.ts).
      const target = { builder: temporaryBuilder, dest: '-', metadataFile }
      const args = buildxBuildArgs(req, version, target)
      const platforms = await completeLayout(layoutDir, req, async () => {
        const secrets = await secretValues(req.secrets, req.env)
        const onStarted = req.onBuildStarted
        const build = (stdoutTo: NodeJS.WritableStream, signal: AbortSignal) =>
          runLogged(this.run, logger, 'docker', args, { env, secrets, signal, onStarted, stdoutTo })
        await unpackWhileProducing(layoutDir, this.run, build, req.signal, req.onBlob)
        await this.checkMetadata(metadataFile, layoutDir, logger)
        return layoutImages(layoutDir)
      })
      return { builder: 'buildx', layoutDir, platforms }
    } finally {
      await rm(metadataFile, { force: true })
      if (temporaryBuilder) await this.removeBuilder(temporaryBuilder, env, req, logger)
      await cleanup()
    }
  }

  private async currentBuilderExportsOci(env: Env, logger: Logger): Promise<boolean> {
    const stored = await namedBuilderFromStore(env)
    const { name, driver } = stored
      ? { name: `${stored.name} (BUILDX_BUILDER)`, driver: stored.driver }
      : await this.inspectCurrentBuilder(env)
    if (driverExportsOci(driver)) {
      logger.info(`buildx: using the current builder ${name} ('${driver}' driver) as it is`)
      return true
    }
    if (driver === 'docker' && (await this.engineUsesContainerdStore(env))) {
      logger.info(`buildx: the current builder ${name} uses the containerd image store; exporting from it`)
      return true
    }
    logger.info(
      `buildx: the current builder ${name} uses the '${driver ?? 'unknown'}' driver, which cannot export an OCI layout`
    )
    return false
  }

  private async inspectCurrentBuilder(env: Env): Promise<{ name: string; driver?: string }> {
    const { stdout } = await this.run('docker', ['buildx', 'inspect'], { env })
    const name = /^Name:\s*(\S+)/m.exec(stdout)?.[1] ?? 'the current builder'
    return { name, driver: parseBuildxDriver(stdout) }
  }

  private async engineUsesContainerdStore(env: Env): Promise<boolean> {
    const info = await this.run('docker', ['info', '--format', '{{json .DriverStatus}}'], { env }).catch(
      () => undefined
    )
    return info !== undefined && usesContainerdStore(info.stdout)
  }

  private async createBuilder(name: string, env: Env, req: BuildRequest, logger: Logger) {
    logger.info(`buildx: creating the temporary docker-container builder ${name}`)
    req.onTemporaryBuilder?.(name)
    const onStarted = req.onBuildStarted
    await runLogged(this.run, logger, 'docker', buildxCreateArgs(name), {
      env,
      signal: req.signal,
      onStarted
    })
  }

  private async removeBuilder(name: string, env: Env, req: BuildRequest, logger: Logger) {
    const removed = await runQuietly(this.run, logger, 'docker', buildxRmArgs(name), env)
    if (removed) {
      logger.info(`buildx: removed the temporary builder ${name}`)
      req.onTemporaryBuilder?.('')
    }
  }

  /** Logs the build's ref (for `docker buildx history`) and checks the export is what buildx built. */
  private async checkMetadata(file: string, layoutDir: string, logger: Logger): Promise<void> {
    const meta = await readBuildxMetadata(file)
    if (meta.buildRef) logger.info(`buildx: build ref ${meta.buildRef}`)
    await checkExportMatchesMetadata(layoutDir, meta)
  }
}
