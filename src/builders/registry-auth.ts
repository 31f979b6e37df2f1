import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

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
  const auths = { ...((config.auths ?? {}) as Record<string, unknown>) }
  const credHelpers = { ...((config.credHelpers ?? {}) as Record<string, string>) }
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

async function readUserDockerConfig(env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const dir = env.DOCKER_CONFIG || join(homedir(), '.docker')
  try {
    const parsed = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as unknown
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
