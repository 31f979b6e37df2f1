/** The job's OIDC token, as the runner hands it out (`permissions: id-token: write`). */
import { errorMessage } from '../errors.js'
import { withTimeout } from './stopped.js'

export const OIDC_ENV = {
  url: 'ACTIONS_ID_TOKEN_REQUEST_URL',
  token: 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'
} as const
export const SIGSTORE_AUDIENCE = 'sigstore'

const TIMEOUT_MS = 15_000

/** Whether the runner lets this job ask for an OIDC token. */
export function oidcAvailable(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env[OIDC_ENV.url]) && Boolean(env[OIDC_ENV.token])
}

/** `GET $ACTIONS_ID_TOKEN_REQUEST_URL&audience=…` with the request token → the JWT; `signal` stops it. */
export async function fetchIdToken(
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
  audience = SIGSTORE_AUDIENCE
): Promise<string> {
  const base = env[OIDC_ENV.url]
  const bearer = env[OIDC_ENV.token]
  if (!base || !bearer) throw new Error(`${OIDC_ENV.url} and ${OIDC_ENV.token} are not set`)
  const url = new URL(base)
  url.searchParams.set('audience', audience)
  let response: Response
  try {
    response = await fetch(url, {
      headers: { authorization: `Bearer ${bearer}`, accept: 'application/json' },
      signal: withTimeout(TIMEOUT_MS, signal)
    })
  } catch (err) {
    throw new Error(`cannot reach the OIDC token endpoint ${url.origin}: ${errorMessage(err)}`, {
      cause: err
    })
  }
  const text = await response.text()
  if (!response.ok)
    throw new Error(`the OIDC token endpoint answered HTTP ${response.status}: ${text.slice(0, 200)}`)
  const value = valueOf(text)
  if (typeof value !== 'string' || value.split('.').length !== 3) {
    throw new Error('the OIDC token endpoint answered without a token (no JWT in `value`)')
  }
  return value
}

function valueOf(body: string): unknown {
  try {
    return (JSON.parse(body) as { value?: unknown } | null)?.value
  } catch {
    return undefined
  }
}

/** The claims of a JWT, unverified (our own token, read for job_workflow_ref). */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? ''
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    return claims !== null && typeof claims === 'object' ? (claims as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}
