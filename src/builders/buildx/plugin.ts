import { join } from 'node:path'
import { exists } from '../../files.js'
import { dockerConfigDir, readDockerConfig } from '../../registry/index.js'
import { dockerExecutables } from '../docker/client.js'
import type { Env, Runner } from '../types.js'
import { extractVersion, versionAtLeast } from '../version.js'

/**
 * Where the docker CLI looks for plugins on Linux after the config's `cliPluginsExtraDirs` and its
 * config dir's `cli-plugins` (docker/cli cli-plugins/manager: getPluginDirs, defaultSystemPluginDirs).
 */
export const SYSTEM_PLUGIN_DIRS: readonly string[] = [
  '/usr/local/lib/docker/cli-plugins',
  '/usr/local/libexec/docker/cli-plugins',
  '/usr/lib/docker/cli-plugins',
  '/usr/libexec/docker/cli-plugins'
]

/**
 * The first buildx that reads the docker client's environment (DOCKER_TLS_VERIFY, DOCKER_CERT_PATH…)
 * when run standalone; older ones run through `docker buildx`.
 */
export const STANDALONE_SINCE = '0.23.0'

/**
 * Run standalone, buildx reads the docker config and contexts itself, as it does under `docker`; it
 * takes itself for a plugin (and expects `buildx` as its first argument) when this variable is set.
 */
const STANDALONE: Env = { DOCKER_CLI_PLUGIN_ORIGINAL_CLI_COMMAND: '' }

/** The environment for running the plugin binary itself. */
export function standaloneEnv(env: Env): Env {
  return { ...env, ...STANDALONE }
}

/**
 * The `docker-buildx` the docker CLI would run with `env`, looked up as it does on Linux: the first
 * that exists in the config's `cliPluginsExtraDirs`, the config dir's `cli-plugins`, then `systemDirs`.
 */
export async function findBuildxPlugin(
  env: Env,
  systemDirs: readonly string[] = SYSTEM_PLUGIN_DIRS
): Promise<string | undefined> {
  if (process.platform !== 'linux') return undefined
  const configDir = dockerConfigDir({ ...process.env, ...env })
  const config = await readDockerConfig(join(configDir, 'config.json')).catch(() => undefined)
  const extra = config?.cliPluginsExtraDirs
  const extraDirs = Array.isArray(extra) ? extra.filter((d): d is string => typeof d === 'string') : []
  for (const dir of [...extraDirs, join(configDir, 'cli-plugins'), ...systemDirs]) {
    const candidate = join(dir, 'docker-buildx')
    if (await exists(candidate)) return candidate
  }
  return undefined
}

/** buildx's version, and the plugin binary that answered when it was asked directly. */
export interface FoundBuildx {
  version: string
  plugin?: string
}

/**
 * The buildx docker would run, and its version. Each `docker buildx …` starts the docker CLI, which
 * runs the plugin once for its metadata and again for the command (0.1–0.4 s on two busy cores, before
 * the build can start), so the plugin found as docker finds it is asked itself and, from buildx
 * STANDALONE_SINCE, runs every buildx command of the build. `docker buildx version` where there is no
 * docker client, no plugin found, or one that does not answer as buildx. `systemDirs`: see findBuildxPlugin.
 */
export async function findBuildx(
  env: Env,
  run: Runner,
  systemDirs: readonly string[] = SYSTEM_PLUGIN_DIRS
): Promise<FoundBuildx> {
  const plugin = await findDockerPlugin(env, systemDirs)
  if (plugin) {
    const answer = await run(plugin, ['version'], { env: standaloneEnv(env) }).catch(() => undefined)
    const version = answer && /buildx/.test(answer.stdout) ? extractVersion(answer.stdout) : undefined
    if (version) return versionAtLeast(version, STANDALONE_SINCE) ? { version, plugin } : { version }
  }
  return { version: await dockerBuildxVersion(env, run) }
}

/** The plugin, when there is also a docker client for it to belong to (the post step needs one too). */
async function findDockerPlugin(env: Env, systemDirs: readonly string[]): Promise<string | undefined> {
  const docker = await dockerExecutables(env.PATH ?? process.env.PATH ?? '').catch(() => [])
  if (docker.length === 0) return undefined
  return findBuildxPlugin(env, systemDirs).catch(() => undefined)
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
  if (first !== 'buildx') throw new Error(`not a docker buildx command: ${dockerArgs.join(' ')}`)
  if (!plugin) return { cmd: 'docker', args: [...dockerArgs], env }
  return { cmd: plugin, args: rest, env: standaloneEnv(env) }
}
