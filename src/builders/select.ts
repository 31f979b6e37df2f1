import { execCommand } from '../exec.js'
import { InputError } from '../inputs/errors.js'
import { HostError } from './errors.js'
import type { BuilderChoice, BuilderName } from '../inputs/types.js'
import { BuildahBuilder, buildahVersion } from './buildah/builder.js'
import { BuildxBuilder, buildxVersion } from './buildx/builder.js'
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

export function createBuilder(name: BuilderName, run: Runner = execCommand): Builder {
  if (name === 'buildx') return new BuildxBuilder(run)
  if (name === 'buildah') return new BuildahBuilder(run)
  return new DockerBuilder(run)
}

/** Whether a builder can run here: a description of it, or the error that says why not. */
async function probe(name: BuilderName, env: Env, run: Runner): Promise<string> {
  if (name === 'buildx') return `docker buildx ${await buildxVersion(env, run)}`
  if (name === 'buildah') return `buildah ${await buildahVersion(env, run)}`
  const { client, reason } = await findDockerClient(env, run)
  const { stdout } = await run(client.path, ['version', '--format', '{{.Server.Version}}'], { env })
  return `docker engine ${stdout.trim()} via ${reason}`
}

const INSTALL_HINT: Record<BuilderName, string> = {
  buildx: 'install the buildx plugin (e.g. docker/setup-buildx-action)',
  buildah: 'install buildah (apt-get install buildah)',
  docker: 'install docker and make sure its daemon answers (DOCKER_HOST)'
}

/**
 * The builder for `choice`. `auto` takes buildx when `docker buildx version` works, else buildah, else
 * docker; the reason says which and why. A named builder that cannot run, or none at all, fails with a HostError.
 */
export async function selectBuilder(
  choice: BuilderChoice,
  logger: Logger,
  env: Env = {},
  run: Runner = execCommand
): Promise<{ builder: Builder; reason: string }> {
  const normalized = parseBuilderChoice(choice)
  const names: BuilderName[] = normalized === 'auto' ? ['buildx', 'buildah', 'docker'] : [normalized]
  const failures: string[] = []
  for (const name of names) {
    try {
      const found = await probe(name, env, run)
      const skipped = failures.length ? `${failures.join('; ')}; ` : ''
      const reason = normalized === 'auto' ? `auto: ${skipped}found ${found}` : `asked for; found ${found}`
      logger.info(`builder: ${name} (${reason})`)
      return { builder: createBuilder(name, run), reason }
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

function summarize(err: unknown): string {
  const text = errorMessage(err)
  const oneLine = text
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
    .join(' ')
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine
}
