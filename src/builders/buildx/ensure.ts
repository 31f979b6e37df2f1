import { tmpdir } from 'node:os'
import type { Env, Logger, Runner } from '../types.js'
import { versionAtLeast } from '../version.js'
import { findBuildx } from './plugin.js'
import { installBuildx, type BuildxRelease } from './install.js'
import { privateDockerConfig } from './plugin-dir.js'
import { MINIMUM_BUILDX_VERSION } from './release.js'

/** A buildx installed for this run: the environment that makes docker use it, and what to remove after. */
export interface BuildxSetup {
  /** DOCKER_CONFIG pointing at a private dir whose cli-plugins holds the installed buildx. */
  env: Env
  /** That dir: remove it when the run is over. */
  dockerConfig: string
  /** One line for the builder's reason, e.g. `installed buildx v0.35.0 (the plugin is missing)`. */
  note: string
}

export type EnsureBuildx = typeof ensureBuildx

/**
 * When `docker` is here but its buildx plugin is missing or older than MINIMUM_BUILDX_VERSION, installs
 * `release` for this run (see installBuildx) and returns how to use it; undefined when there is nothing
 * to do (no docker at all, or a recent enough buildx).
 */
export async function ensureBuildx(
  release: BuildxRelease,
  env: Env,
  run: Runner,
  logger: Logger,
  install: typeof installBuildx = installBuildx,
  pluginDirs?: readonly string[]
): Promise<BuildxSetup | undefined> {
  const present = await findBuildx(env, run, pluginDirs).then(
    found => found.version,
    () => undefined
  )
  if (present && versionAtLeast(present, MINIMUM_BUILDX_VERSION)) return undefined
  // No buildx to speak of: is there a docker to install it for? (Asked second: usually buildx is there.)
  const docker = await run('docker', ['--version'], { env }).catch(() => undefined)
  if (!docker) return undefined
  const why = present
    ? `the plugin's v${present} is older than ${MINIMUM_BUILDX_VERSION}`
    : 'the docker buildx plugin is missing'
  logger.info(`buildx: ${why}; installing buildx v${release.version} for this run only`)
  const plugin = await install(release, logger)
  const dockerConfig = await privateDockerConfig(plugin, env.RUNNER_TEMP || tmpdir(), env)
  return {
    env: { DOCKER_CONFIG: dockerConfig },
    dockerConfig,
    note: `installed buildx v${release.version} for this run (${why})`
  }
}
