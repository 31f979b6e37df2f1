import { mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dockerConfigDir, readDockerConfig } from '../registry/index.js'
import type { BuildRequest, Env } from './types.js'
import { exists } from '../files.js'

/** What a docker-family client keeps in its config dir besides credentials, and must still find. */
const SHARED_DOCKER_ENTRIES = ['cli-plugins', 'buildx', 'contexts']

/**
 * The environment for buildah: the caller's private auth file and docker config dir, never the user's.
 */
export function buildahEnv(req: BuildRequest): Env {
  const env: Env = { ...req.env }
  if (req.registryAuth?.authFile) env.REGISTRY_AUTH_FILE = req.registryAuth.authFile
  if (req.registryAuth?.dockerConfigDir) env.DOCKER_CONFIG = req.registryAuth.dockerConfigDir
  return env
}

/**
 * The environment for a docker client. With private credentials, DOCKER_CONFIG points at a dir in workDir
 * holding a copy of the caller's config.json plus links to the user's CLI plugins, buildx builders and
 * contexts (so `docker buildx` and the selected builder are still found). The user's config.json is
 * never read for credentials nor written. Call the returned cleanup when the build is over.
 */
export async function dockerEnv(
  req: BuildRequest,
  opts: { buildxStore?: boolean } = {}
): Promise<{ env: Env; cleanup: () => Promise<void> }> {
  const privateDir = req.registryAuth?.dockerConfigDir
  if (!privateDir) return { env: { ...req.env }, cleanup: () => Promise.resolve() }
  const dir = join(req.workDir, 'docker-config')
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const userDir = dockerConfigDir({ ...process.env, ...req.env })
  await writePrivateConfig(
    join(privateDir, 'config.json'),
    join(userDir, 'config.json'),
    join(dir, 'config.json')
  )
  // buildx registers builders in the user's store (as it would by itself), so the post step finds a
  // temporary builder there. Only for buildx: the docker builder leaves the user's config dir alone.
  if (opts.buildxStore) await mkdir(join(userDir, 'buildx'), { recursive: true })
  for (const entry of SHARED_DOCKER_ENTRIES) {
    const source = join(userDir, entry)
    if (await exists(source)) await symlink(source, join(dir, entry))
  }
  return { env: { ...req.env, DOCKER_CONFIG: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) }
}

/** The caller's config.json, plus the user's `currentContext` so `docker context use` still applies. */
async function writePrivateConfig(callerConfig: string, userConfig: string, target: string): Promise<void> {
  const config = (await readDockerConfig(callerConfig)) ?? {}
  const currentContext = (await readDockerConfig(userConfig).catch(() => undefined))?.currentContext
  if (currentContext && config.currentContext === undefined) config.currentContext = currentContext
  await writeFile(target, JSON.stringify(config, null, 2), { mode: 0o600 })
}
