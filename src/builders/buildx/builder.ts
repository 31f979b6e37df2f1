import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { execCommand } from '../../exec.js'
import { dockerEnv } from '../credentials.js'
import { secretValues } from '../options/secrets.js'
import { unpackWhileProducing } from '../layout/archive.js'
import { completeLayout, layoutImages } from '../layout/normalize.js'
import { runLogged, runQuietly } from '../output.js'
import type { Builder, BuildRequest, BuildResult, Env, Logger, Runner } from '../types.js'
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
import { buildxCommand, findBuildx } from './plugin.js'

/** A `docker buildx …` command line as it is run: through docker, or by the plugin itself. */
type Buildx = (dockerArgs: string[]) => ReturnType<typeof buildxCommand>

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
   * this run. `version`: buildx's, when the selection already asked. `plugin`: the buildx binary that
   * reported that version, which then runs every buildx command itself (see findBuildx).
   */
  constructor(
    private readonly run: Runner = execCommand,
    private readonly env: Env = {},
    private readonly version?: string,
    private readonly plugin?: string
  ) {}

  async build(req: BuildRequest, logger: Logger): Promise<BuildResult> {
    const layoutDir = join(req.workDir, 'oci')
    const metadataFile = join(req.workDir, 'buildx-metadata.json')
    const { env, cleanup } = await dockerEnv(
      { ...req, env: { ...req.env, ...this.env } },
      { buildxStore: true }
    )
    let temporaryBuilder: string | undefined
    let buildx: Buildx | undefined
    try {
      const { version, plugin } = this.version
        ? { version: this.version, plugin: this.plugin }
        : await findBuildx(env, this.run)
      if (plugin) logger.info(`buildx: running the plugin ${plugin} itself (what docker buildx runs)`)
      buildx = args => buildxCommand(plugin, args, env)
      if (!(await this.currentBuilderExportsOci(buildx, env, logger))) {
        temporaryBuilder = temporaryBuilderName()
        await this.createBuilder(temporaryBuilder, buildx, req, logger)
      }
      // The OCI tarball comes on buildx's stdout, unpacked as it comes (see args.ts).
      const target = { builder: temporaryBuilder, dest: '-', metadataFile }
      const command = buildx(buildxBuildArgs(req, version, target))
      const platforms = await completeLayout(layoutDir, req, async () => {
        const secrets = await secretValues(req.secrets, req.env)
        const onStarted = req.onBuildStarted
        const build = (stdoutTo: NodeJS.WritableStream, signal: AbortSignal) =>
          runLogged(this.run, logger, command.cmd, command.args, {
            env: command.env,
            secrets,
            signal,
            onStarted,
            stdoutTo
          })
        await unpackWhileProducing(layoutDir, this.run, build, req.signal, req.onBlob)
        await this.checkMetadata(metadataFile, layoutDir, logger)
        return layoutImages(layoutDir)
      })
      return { builder: 'buildx', layoutDir, platforms }
    } finally {
      await rm(metadataFile, { force: true })
      if (temporaryBuilder && buildx) await this.removeBuilder(temporaryBuilder, buildx, req, logger)
      await cleanup()
    }
  }

  private async currentBuilderExportsOci(buildx: Buildx, env: Env, logger: Logger): Promise<boolean> {
    const stored = await namedBuilderFromStore(env)
    const { name, driver } = stored
      ? { name: `${stored.name} (BUILDX_BUILDER)`, driver: stored.driver }
      : await this.inspectCurrentBuilder(buildx)
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

  private async inspectCurrentBuilder(buildx: Buildx): Promise<{ name: string; driver?: string }> {
    const inspect = buildx(['buildx', 'inspect'])
    const { stdout } = await this.run(inspect.cmd, inspect.args, { env: inspect.env })
    const name = /^Name:\s*(\S+)/m.exec(stdout)?.[1] ?? 'the current builder'
    return { name, driver: parseBuildxDriver(stdout) }
  }

  private async engineUsesContainerdStore(env: Env): Promise<boolean> {
    const info = await this.run('docker', ['info', '--format', '{{json .DriverStatus}}'], { env }).catch(
      () => undefined
    )
    return info !== undefined && usesContainerdStore(info.stdout)
  }

  private async createBuilder(name: string, buildx: Buildx, req: BuildRequest, logger: Logger) {
    logger.info(`buildx: creating the temporary docker-container builder ${name}`)
    req.onTemporaryBuilder?.(name)
    const create = buildx(buildxCreateArgs(name))
    await runLogged(this.run, logger, create.cmd, create.args, {
      env: create.env,
      signal: req.signal,
      onStarted: req.onBuildStarted
    })
  }

  private async removeBuilder(name: string, buildx: Buildx, req: BuildRequest, logger: Logger) {
    const rm = buildx(buildxRmArgs(name))
    const removed = await runQuietly(this.run, logger, rm.cmd, rm.args, rm.env)
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
