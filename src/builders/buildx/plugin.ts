import { constants } from 'node:fs'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { dockerConfigDir, readDockerConfig } from '../../registry/index.js'
import type { Env, Runner } from '../types.js'
import { extractVersion } from '../version.js'

/**
 * Where the docker CLI looks for plugins on Linux after its config dir's `cli-plugins` and the config's
 * `cliPluginsExtraDirs` (docker/cli cli-plugins/manager, defaultSystemPluginDirs).
 */
export const SYSTEM_PLUGIN_DIRS = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins'
]

/**
 * Run standalone, buildx reads the docker config and contexts itself, as it does under `docker`; it
 * takes itself for a plugin (and expects `buildx` as its first argument) when this variable is set.
 */
const STANDALONE: Env = { DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: '' }

/** The environment for running the plugin binary itself. */
export function standaloneEnv(env: Env): Env {
  return { ...env, ...STANDALONE }
}

/** The `docker-buildx` the docker CLI would run with `env`, looked up as it does (Linux only). */
export async function findBuildxPlugin(
  env: Env,
  systemDirs: readonly string[] = SYSTEM_PLUGIN_DIRS
): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined
  const configDir = dockerConfigDir({ ...process.env, ...env })
  const config = await readDockerConfig(join(configDir, 'config.json')).catch(() => undefined)
  const extra = config?.cliPluginsExtraDirs
  const extraDirs = Array.isArray(extra) ? extra.filter((d): d is string => typeof d === 'string') : []
  for (const dir of [join(configDir, 'cli-plugins'), ...extraDirs, ...systemDirs]) {
    const candidate = join(dir, 'docker-buildx')
    if (await isExecutable(candidate)) return candidate
  }
  return undefined
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false
  )
}

/** buildx's version, and the plugin binary that answered when it was asked directly. */
export interface FoundBuildx {
  version: string
  plugin?: string
}

/**
 * The buildx docker would run, and its version. Each `docker buildx …` starts the docker CLI, which
 * runs the plugin once for its metadata and again for the command (0.1–0.4 s on two busy cores, before
 * the build can start), so the plugin found as docker finds it is asked itself, and then runs every
 * buildx command of the build. Where it is not found (or does not answer), `docker buildx version`.
 */
export async function findBuildx(env: Env, run: Runner): Promise<FoundBuildx> {
  const plugin = await findBuildxPlugin(env).catch(() => undefined)
  if (plugin) {
    const answer = await run(plugin, ['version'], { env: standaloneEnv(env) }).catch(() => undefined)
    const version = answer && /buildx/.test(answer.stdout) ? extractVersion(answer.stdout) : undefined
    if (version) return { version, plugin }
  }
  return { version: await dockerBuildxVersion(env, run) }
}

export async function dockerBuildxVersion(env: Env, run: Runner): Promise<string> {
  const { stdout } = await run('docker', ['buildx', 'version'], { env })
  const version = extractVersion(stdout)
  if (!version)
    throw new Error(`cannot read the version from \`docker buildx version\`: ${stdout.slice(0, 200)}`)
  return version
}

/** A `docker buildx …` command line (`dockerArgs` start with `buildx`), run by `plugin` itself when given. */
export function buildxCommand(
  plugin: string | undefined,
  dockerArgs: readonly string[],
  env: Env
): { cmd: string; args: string[]; env: Env } {
  const [first, ...rest] = dockerArgs
  if (!plugin || first !== 'buildx') return { cmd: 'docker', args: [...dockerArgs], env }
  return { cmd: plugin, args: rest, env: standaloneEnv(env) }
}
