/**
 * Where credentials come from, in order: explicit inputs, docker config.json (credHelpers, credsStore, auths),
 * containers auth.json, then anonymous (undefined).
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { CredentialResolver, Credentials, Logger } from '../types.js'
import { DOCKER_HUB } from '../name/reference.js'
import { runCredentialHelper } from './credential-helper.js'
import { dockerConfigDir, readDockerConfig, type AuthEntry } from './docker-config.js'

export interface KeychainOptions {
  explicit?: Record<string, Credentials>
  env?: NodeJS.ProcessEnv
  logger?: Logger
}

export function defaultKeychain(opts: KeychainOptions = {}): CredentialResolver {
  const env = opts.env ?? process.env
  const explicit = new Map(Object.entries(opts.explicit ?? {}).map(([key, creds]) => [hostKey(key), creds]))
  return async (registryHost, repository) => {
    const host = hostKey(registryHost)
    const given = explicit.get(host)
    if (given && hasSecret(given)) return given
    return (
      (await fromDockerConfig(host, env, opts.logger)) ??
      (await fromContainersAuth(host, repository, env)) ??
      undefined
    )
  }
}

/** `https://index.docker.io/v1/`, `ghcr.io`, `http://127.0.0.1:5000/v2/` → comparable host keys. */
export function hostKey(key: string): string {
  const host = key
    .replace(/^[a-z]+:\/\//i, '')
    .split('/')[0]!
    .toLowerCase()
  return ['index.docker.io', 'registry-1.docker.io', 'registry.hub.docker.com'].includes(host)
    ? DOCKER_HUB
    : host
}

function hasSecret(c: Credentials): boolean {
  return Boolean(
    (c.username && c.password !== undefined && c.password !== '') || c.identityToken || c.registryToken
  )
}

async function fromDockerConfig(host: string, env: NodeJS.ProcessEnv, logger?: Logger) {
  const config = await readDockerConfig(join(dockerConfigDir(env), 'config.json'))
  if (!config) return undefined
  const helper =
    Object.entries(config.credHelpers ?? {}).find(([key]) => hostKey(key) === host)?.[1] ?? config.credsStore
  if (helper) {
    const serverUrl = host === DOCKER_HUB ? 'https://index.docker.io/v1/' : host
    const creds = await runCredentialHelper(helper, serverUrl, env, logger)
    if (creds) return creds
  }
  const entry = Object.entries(config.auths ?? {}).find(([key]) => hostKey(key) === host)?.[1]
  return entry ? decodeEntry(entry) : undefined
}

async function fromContainersAuth(host: string, repository: string | undefined, env: NodeJS.ProcessEnv) {
  for (const file of containersAuthFiles(env)) {
    const config = await readDockerConfig(file)
    const entry = config?.auths ? mostSpecificEntry(config.auths, host, repository) : undefined
    const creds = entry ? decodeEntry(entry) : undefined
    if (creds) return creds
  }
  return undefined
}

function containersAuthFiles(env: NodeJS.ProcessEnv): string[] {
  if (env.REGISTRY_AUTH_FILE) return [env.REGISTRY_AUTH_FILE]
  const files: string[] = []
  if (env.XDG_RUNTIME_DIR) files.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'))
  files.push(join(env.XDG_CONFIG_HOME || join(homeOf(env), '.config'), 'containers', 'auth.json'))
  return files
}

/** auth.json keys may be `host/namespace/repo`: the longest one matching the repository wins. */
function mostSpecificEntry(auths: Record<string, AuthEntry>, host: string, repository: string | undefined) {
  let best: { length: number; entry: AuthEntry } | undefined
  for (const [key, entry] of Object.entries(auths)) {
    const [keyHost, ...rest] = key.replace(/^[a-z]+:\/\//i, '').split('/')
    if (hostKey(keyHost!) !== host) continue
    const path = rest.join('/')
    const matches =
      !path || (repository !== undefined && (repository === path || repository.startsWith(`${path}/`)))
    if (matches && (!best || path.length > best.length)) best = { length: path.length, entry }
  }
  return best?.entry
}

function decodeEntry(entry: AuthEntry): Credentials | undefined {
  const creds: Credentials = {}
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon > 0) {
      creds.username = decoded.slice(0, colon)
      creds.password = decoded.slice(colon + 1)
    }
  } else if (entry.username) {
    creds.username = entry.username
    creds.password = entry.password
  }
  if (entry.identitytoken) creds.identityToken = entry.identitytoken
  if (entry.registrytoken) creds.registryToken = entry.registrytoken
  return hasSecret(creds) ? creds : undefined
}

function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME || homedir()
}
