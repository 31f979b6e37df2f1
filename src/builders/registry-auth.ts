import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dockerConfigDir, readDockerConfig, type DockerConfig } from '../registry/index.js'

/**
 * A private docker config (also read by buildah/podman as an auth file) holding the action's
 * login, for a builder that must pull private base images. The user's own config is only read,
 * never written: its entries are copied so that their other logins keep working.
 */
export async function writePrivateRegistryAuth(
  dir: string,
  login: { registry: string; username: string; password: string },
  env: NodeJS.ProcessEnv = process.env
): Promise<{ dockerConfigDir: string; authFile: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  // A credsStore would shadow our inline entry for every registry, so it becomes a per-registry
  // credHelper of each registry the user logged in to; only the registry we log in to loses its helper.
  const { credsStore, ...config } = await readUserDockerConfig(env)
  const auths: Record<string, unknown> = { ...config.auths }
  const credHelpers = { ...config.credHelpers }
  if (typeof credsStore === 'string' && credsStore) {
    for (const registry of Object.keys(auths)) credHelpers[registry] ??= credsStore
  }
  auths[login.registry] = { auth: Buffer.from(`${login.username}:${login.password}`).toString('base64') }
  delete credHelpers[login.registry]
  const file = join(dir, 'config.json')
  await writeFile(file, JSON.stringify({ ...config, auths, credHelpers }, null, 2), { mode: 0o600 })
  await chmod(file, 0o600)
  return { dockerConfigDir: dir, authFile: file }
}

/** The user's config.json; a missing or unreadable one counts as empty (we only add our login). */
async function readUserDockerConfig(env: NodeJS.ProcessEnv): Promise<DockerConfig> {
  const file = join(dockerConfigDir(env), 'config.json')
  return (await readDockerConfig(file).catch(() => undefined)) ?? {}
}
