import { execCommand } from '../exec.js'
import { InputError } from '../inputs/errors.js'
import { HostError } from './errors.js'
import type { BuilderChoice, BuilderName } from '../inputs/types.js'
import { BuildahBuilder, buildahVersion } from './buildah/builder.js'
import { BuildxBuilder } from './buildx/builder.js'
import { ensureBuildx, type BuildxSetup, type EnsureBuildx } from './buildx/ensure.js'
import { findBuildx } from './buildx/plugin.js'
import { ChecksumError, type BuildxRelease } from './buildx/install.js'
import { findDockerClient } from './docker/client.js'
import { DockerBuilder } from './docker/builder.js'
import type { Builder, Env, Logger, Runner } from './types.js'
import { errorMessage } from '../errors.js'

const CHOICES: readonly BuilderChoice[] = ['auto', 'buildx', 'buildah', 'docker']

export function parseBuilderChoice(value: string): BuilderChoice {
  const choice = value.trim().toLowerCase() || 'auto'
  if (!(CHOICES as readonly string[]).includes(choice)) {
    throw new InputError('builder', `unknown builder '${value}': expected auto, buildx, buildah or docker`)
  }
  return choice as BuilderChoice
}

/**
 * `version`: the builder's (buildx's or buildah's), when already known: the builder does not ask again.
 * `plugin`: the buildx binary that reported `version`, run without docker in front.
 */
export function createBuilder(
  name: BuilderName,
  run: Runner = execCommand,
  env: Env = {},
  version?: string,
  plugin?: string
): Builder {
  if (name === 'buildx') return new BuildxBuilder(run, env, version, plugin)
  if (name === 'buildah') return new BuildahBuilder(run, version)
  return new DockerBuilder(run)
}

/** Whether a builder can run here: a description of it (and buildx's version), or the error that says why not. */
async function probe(
  name: BuilderName,
  env: Env,
  run: Runner,
  pluginDirs?: readonly string[]
): Promise<{ found: string; version?: string; plugin?: string }> {
  if (name === 'buildx') {
    const { version, plugin } = await findBuildx(env, run, pluginDirs)
    if (!plugin) return { found: `docker buildx ${version}`, version }
    return { found: `buildx ${version} (the docker plugin ${plugin}, run itself)`, version, plugin }
  }
  if (name === 'buildah') {
    const version = await buildahVersion(env, run)
    return { found: `buildah ${version}`, version }
  }
  const { client, reason } = await findDockerClient(env, run)
  const { stdout } = await run(client.path, ['version', '--format', '{{.Server.Version}}'], { env })
  return { found: `docker engine ${stdout.trim()} via ${reason}` }
}

/**
 * Starts asking the builder its version now, while the run is still being planned: buildx (its plugin,
 * see findBuildx) when `choice` may pick buildx, `buildah version` when it is buildah. Pass the returned runner
 * to selectBuilder, which then finds the answer waiting. The questions only read, so asking them for a
 * run whose inputs turn out wrong costs nothing.
 */
export function startBuilderProbe(
  choice: BuilderChoice,
  env: Env,
  run: Runner = execCommand,
  pluginDirs?: readonly string[]
): Runner {
  const asking = askingVersionOnce(run)
  if (choice === 'buildah') void asking('buildah', ['version'], { env }).catch(() => undefined)
  if (choice === 'auto' || choice === 'buildx')
    void findBuildx(env, asking, pluginDirs).catch(() => undefined)
  return asking
}

/** The version questions that are asked once per environment (each a CLI start before the build). */
const VERSION_QUESTIONS = {
  buildx: ['docker', ['buildx', 'version']],
  buildah: ['buildah', ['version']]
} as const satisfies Record<string, readonly [string, readonly string[]]>

/**
 * The runner with the version questions asked once per environment: the install check, the probe and
 * the builder all need an answer, and each CLI start costs tens of milliseconds before the build can start.
 */
function askingVersionOnce(run: Runner): Runner {
  const answers = new Map<string, ReturnType<Runner>>()
  const asked = Object.values(VERSION_QUESTIONS).map(([cmd, args]) => `${cmd} ${args.join(' ')}`)
  const pluginVersion = (cmd: string, args: readonly string[]) =>
    cmd.endsWith('/docker-buildx') && args.join(' ') === 'version'
  return (cmd, args, options) => {
    const question = `${cmd} ${args.join(' ')}`
    if (!asked.includes(question) && !pluginVersion(cmd, args)) return run(cmd, args, options)
    const key = `${question}\n${JSON.stringify(options?.env ?? {})}`
    const answer = answers.get(key) ?? run(cmd, args, options)
    answers.set(key, answer)
    return answer
  }
}

const INSTALL_HINT: Record<BuilderName, string> = {
  buildx: 'install the buildx plugin (e.g. docker/setup-buildx-action)',
  buildah: 'install buildah (apt-get install buildah)',
  docker: 'install docker and make sure its daemon answers (DOCKER_HOST)'
}

export interface SelectOptions {
  /** The buildx release to install for this run when docker is here but buildx is missing or too old. */
  buildxRelease?: BuildxRelease
  ensureBuildx?: EnsureBuildx
  /** Where docker's system-wide plugins are (default SYSTEM_PLUGIN_DIRS; tests give their own). */
  pluginDirs?: readonly string[]
}

export interface SelectedBuilder {
  builder: Builder
  reason: string
  /** A private DOCKER_CONFIG holding a buildx installed for this run: remove it when the run is over. */
  dockerConfig?: string
}

/**
 * The builder for `choice`. `auto` takes buildx when it answers its version (see findBuildx), else buildah, else
 * docker; the reason says which and why. With `options.buildxRelease`, `auto` and `buildx` first install
 * that buildx for this run when docker is here without a recent enough plugin. A named builder that
 * cannot run, or none at all, fails with a HostError; a downloaded buildx with the wrong sha256 always fails.
 */
export async function selectBuilder(
  choice: BuilderChoice,
  logger: Logger,
  env: Env = {},
  run: Runner = execCommand,
  options: SelectOptions = {}
): Promise<SelectedBuilder> {
  const normalized = parseBuilderChoice(choice)
  const asking = askingVersionOnce(run)
  const names: BuilderName[] = normalized === 'auto' ? ['buildx', 'buildah', 'docker'] : [normalized]
  const failures: string[] = []
  const setup = names.includes('buildx')
    ? await setUpBuildx(normalized, env, asking, logger, options, failures)
    : undefined
  for (const name of names) {
    try {
      const builderEnv = name === 'buildx' ? (setup?.env ?? {}) : {}
      const { found, version, plugin } = await probe(
        name,
        { ...env, ...builderEnv },
        asking,
        options.pluginDirs
      )
      const installed = name === 'buildx' && setup ? `${setup.note}; ` : ''
      const skipped = failures.length ? `${failures.join('; ')}; ` : ''
      const reason =
        normalized === 'auto'
          ? `auto: ${skipped}${installed}found ${found}`
          : `asked for; ${installed}found ${found}`
      logger.info(`builder: ${name} (${reason})`)
      const dockerConfig = name === 'buildx' ? setup?.dockerConfig : undefined
      return {
        builder: createBuilder(name, run, builderEnv, version, plugin),
        reason,
        ...(dockerConfig ? { dockerConfig } : {})
      }
    } catch (err) {
      failures.push(`${name} unavailable (${summarize(err)})`)
      if (normalized !== 'auto') {
        throw new HostError(
          `builder '${name}' was asked for but is unavailable: ${summarize(err)}; ${INSTALL_HINT[name]}, or use builder: auto`,
          { cause: err }
        )
      }
    }
  }
  throw new HostError(
    `no builder is available: ${failures.join('; ')}. Install docker with buildx, or buildah`
  )
}

/**
 * Installs buildx for this run when it should (see ensureBuildx). A failed install is one more reason
 * buildx is unavailable for `auto`, and fatal for `buildx`; a wrong checksum is always fatal.
 */
async function setUpBuildx(
  choice: BuilderChoice,
  env: Env,
  run: Runner,
  logger: Logger,
  options: SelectOptions,
  failures: string[]
): Promise<BuildxSetup | undefined> {
  if (!options.buildxRelease) return undefined
  const ensure = options.ensureBuildx ?? ensureBuildx
  try {
    return await ensure(options.buildxRelease, env, run, logger, undefined, options.pluginDirs)
  } catch (err) {
    if (err instanceof ChecksumError) throw err
    if (choice === 'buildx') {
      throw new HostError(
        `builder 'buildx' was asked for, and installing buildx v${options.buildxRelease.version} failed: ${summarize(err)}; ${INSTALL_HINT.buildx}, or use builder: auto`,
        { cause: err }
      )
    }
    failures.push(`installing buildx v${options.buildxRelease.version} failed (${summarize(err)})`)
    return undefined
  }
}

function summarize(err: unknown): string {
  const text = errorMessage(err)
  const oneLine = text
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
    .join(' ')
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine
}
