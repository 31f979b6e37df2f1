import { InputError } from './errors.js'
import type { Inputs } from './types.js'

/** The login the action itself holds for `registry`; other registries use the keychain. */
export interface RegistryLogin {
  registry: string
  username: string
  password: string
  /** Where the password came from, for the log. */
  source: 'password input' | 'workflow token'
}

/**
 * GitHub's own registries: ghcr.io, docker.pkg.github.com, and on GitHub Enterprise Server (or
 * GHE.com) the `containers.` and `docker.` hosts of GITHUB_SERVER_URL. Only these may receive the
 * workflow's GITHUB_TOKEN without the user asking for it.
 */
export function isGitHubRegistry(registry: string, env: NodeJS.ProcessEnv): boolean {
  const host = registry.toLowerCase()
  if (host === 'ghcr.io' || host === 'docker.pkg.github.com') return true
  const server = serverHost(env.GITHUB_SERVER_URL)
  if (!server || server === 'github.com') return false
  return host === `containers.${server}` || host === `docker.${server}`
}

function serverHost(url: string | undefined): string | undefined {
  if (!url) return undefined
  try {
    return new URL(url).host.toLowerCase()
  } catch {
    return undefined
  }
}

/**
 * The `username`/`password` inputs when a password is given; else, for GitHub's registries only,
 * `github.actor` with the workflow token; else nothing (the keychain decides: docker's config.json,
 * containers' auth.json). A live GitHub credential never goes to a registry the user did not name.
 */
export function resolveLogin(
  inputs: Pick<Inputs, 'registry' | 'username' | 'password' | 'githubToken'>,
  env: NodeJS.ProcessEnv
): RegistryLogin | undefined {
  const { registry } = inputs
  const github = isGitHubRegistry(registry, env)
  if (inputs.password) {
    const username = inputs.username || (github ? actorOf(env) : '')
    if (!username) {
      throw new InputError(
        'username',
        `a password was given for ${registry} but no username; set username (docker login needs both)`
      )
    }
    return { registry, username, password: inputs.password, source: 'password input' }
  }
  if (!github || !inputs.githubToken) return undefined
  const username = inputs.username || actorOf(env)
  return { registry, username, password: inputs.githubToken, source: 'workflow token' }
}

/** Any non-empty name works with a GITHUB_TOKEN; the actor is what docker/login-action users pass. */
function actorOf(env: NodeJS.ProcessEnv): string {
  return env.GITHUB_ACTOR || 'github-actions'
}

/** Every form a login's secret can take in a log line: the password and docker's `auth` value. */
export function loginSecrets(login: RegistryLogin | undefined): string[] {
  if (!login) return []
  return [login.password, Buffer.from(`${login.username}:${login.password}`).toString('base64')]
}
