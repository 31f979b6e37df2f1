import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { execCommand } from '../../exec.js'
import { dockerEnv } from '../credentials.js'
import { secretValues } from '../options/secrets.js'
import { extractTar } from '../layout/archive.js'
import { completeLayout, layoutImages } from '../layout/normalize.js'
import { runLogged, runQuietly } from '../output.js'
import type { Builder, BuildRequest, BuildResult, Env, Logger, Runner } from '../types.js'
import { extractVersion } from '../version.js'
import { buildxBuildArgs, buildxCreateArgs, driverExportsOci, parseBuildxDriver } from './args.js'

export async function buildxVersion(env: Env, run: Runner): Promise<string> {
  const { stdout } = await run('docker', ['buildx', 'version'], { env })
  const version = extractVersion(stdout)
  if (!version)
    throw new Error(`cannot read the version from \`docker buildx version\`: ${stdout.slice(0, 200)}`)
  return version
}

/**
 * `docker buildx build --output type=oci`. The `docker` driver cannot export OCI, so when the current
 * builder uses it (the default on a fresh runner) a temporary docker-container builder is created for
 * this build and removed afterwards; a builder set up by docker/setup-buildx-action is used as it is.
 */
export class BuildxBuilder implements Builder {
  readonly name = 'buildx' as const

  constructor(private readonly run: Runner = execCommand) {}

  async build(req: BuildRequest, logger: Logger): Promise<BuildResult> {
    const layoutDir = join(req.workDir, 'oci')
    const dest = join(req.workDir, 'buildx-oci.tar')
    const { env, cleanup } = await dockerEnv(req)
    let temporaryBuilder: string | undefined
    try {
      const version = await buildxVersion(env, this.run)
      temporaryBuilder = await this.builderFor(env, logger)
      const args = buildxBuildArgs(req, version, { builder: temporaryBuilder, dest })
      const platforms = await completeLayout(layoutDir, req, async () => {
        const secrets = await secretValues(req.secrets, req.env)
        await runLogged(this.run, logger, 'docker', args, { env, secrets, signal: req.signal })
        await extractTar(dest, layoutDir, this.run)
        return layoutImages(layoutDir)
      })
      return { builder: 'buildx', layoutDir, platforms }
    } finally {
      await rm(dest, { force: true })
      if (temporaryBuilder)
        await runQuietly(this.run, logger, 'docker', ['buildx', 'rm', temporaryBuilder], env)
      await cleanup()
    }
  }

  /** undefined when the current builder can export OCI, else the name of a builder created for this build. */
  private async builderFor(env: Env, logger: Logger): Promise<string | undefined> {
    const { stdout } = await this.run('docker', ['buildx', 'inspect'], { env })
    const driver = parseBuildxDriver(stdout)
    if (driverExportsOci(driver)) return undefined
    const name = `publish-image-${randomUUID().slice(0, 8)}`
    logger.info(
      `buildx: the current builder uses the '${driver ?? 'unknown'}' driver, which cannot export an OCI layout; ` +
        `creating the temporary docker-container builder ${name}`
    )
    await runLogged(this.run, logger, 'docker', buildxCreateArgs(name), { env })
    return name
  }
}
