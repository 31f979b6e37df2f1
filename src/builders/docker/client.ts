import { access, constants, realpath } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import type { Env, Runner } from '../types.js'
import { extractVersion, versionAtLeast } from '../version.js'

/**
 * How `docker build` builds with a given client: through the buildx plugin (docker ≥ 23 aliases
 * `docker build` to buildx), through the BuildKit built into clients < 23, or with the deprecated classic builder.
 */
export type DockerBuildMode = 'buildx' | 'buildkit' | 'classic'

export interface DockerClient {
  path: string
  version: string
  mode: DockerBuildMode
  buildxVersion?: string
}

export function dockerBuildMode(clientVersion: string, buildxVersion: string | undefined): DockerBuildMode {
  if (!versionAtLeast(clientVersion, '23')) return 'buildkit'
  return buildxVersion ? 'buildx' : 'classic'
}

/** Every `docker` executable on PATH, in PATH order, each real file once. */
export async function dockerExecutables(pathEnv: string): Promise<string[]> {
  const found: string[] = []
  const seen = new Set<string>()
  for (const dir of pathEnv.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, 'docker')
    const real = await realpath(candidate).catch(() => undefined)
    if (!real || seen.has(real)) continue
    if (
      !(await access(real, constants.X_OK).then(
        () => true,
        () => false
      ))
    )
      continue
    seen.add(real)
    found.push(candidate)
  }
  return found
}

export async function probeDockerClient(
  path: string,
  env: Env,
  run: Runner
): Promise<DockerClient | undefined> {
  const versionOut = await run(path, ['--version'], { env }).catch(() => undefined)
  const version = versionOut && extractVersion(versionOut.stdout)
  if (!version) return undefined
  const buildxOut = await run(path, ['buildx', 'version'], { env }).catch(() => undefined)
  const buildxVersion = buildxOut && extractVersion(buildxOut.stdout)
  const client: DockerClient = { path, version, mode: dockerBuildMode(version, buildxVersion) }
  return buildxVersion ? { ...client, buildxVersion } : client
}

/**
 * The docker client to build with: the first on PATH that builds with BuildKit, else the first at all
 * (classic builder). Several clients can be installed, e.g. a new one without the buildx plugin ahead of
 * an older one with BuildKit built in.
 */
export async function findDockerClient(
  env: Env,
  run: Runner
): Promise<{ client: DockerClient; reason: string }> {
  const paths = await dockerExecutables(env.PATH ?? process.env.PATH ?? '')
  const clients: DockerClient[] = []
  for (const path of paths) {
    const client = await probeDockerClient(path, env, run)
    if (client) clients.push(client)
  }
  const withBuildKit = clients.find(c => c.mode !== 'classic')
  const chosen = withBuildKit ?? clients[0]
  if (!chosen) throw new Error('no docker client found on PATH')
  return { client: chosen, reason: describeChoice(chosen, clients) }
}

function describeChoice(chosen: DockerClient, all: DockerClient[]): string {
  const how = {
    buildx: `BuildKit through buildx ${chosen.buildxVersion ?? ''}`.trim(),
    buildkit: 'its built-in BuildKit',
    classic: 'the classic builder: no client on PATH has BuildKit (docker ≥ 23 needs the buildx plugin)'
  }[chosen.mode]
  const skipped = all.filter(c => c !== chosen && all.indexOf(c) < all.indexOf(chosen))
  const why = skipped.length
    ? `; skipped ${skipped.map(c => `${c.path} ${c.version} (no buildx plugin)`).join(', ')}`
    : ''
  return `${chosen.path} ${chosen.version} with ${how}${why}`
}

/** The environment that makes `docker build` use the chosen mode. */
export function dockerBuildEnv(mode: DockerBuildMode): Env {
  return { DOCKER_BUILDKIT: mode === 'classic' ? '0' : '1' }
}
