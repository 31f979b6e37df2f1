/** The client's one error type, and what turns registry answers into it. */
import { isRetryableStatus } from './retry.js'
import { JsonValue } from '../json.js'

export interface RegistryErrorDetail {
  code: string
  message: string
}

export interface RegistryErrorInit {
  method: string
  url: string | URL
  status?: number
  details?: RegistryErrorDetail[]
  hint?: string
  cause?: unknown
  /** Default: decided by the status (408, 429, 5xx) and codes. */
  retryable?: boolean
  /** The pause the registry asked for (Retry-After, or ghcr's `retry-after:` message). */
  retryAfterMs?: number
  /** Overrides the generated summary. */
  message?: string
}

export class RegistryError extends Error {
  override name = 'RegistryError'
  readonly status?: number
  /** Distribution error codes (`DENIED`, `BLOB_UNKNOWN`…), possibly empty. */
  readonly codes: string[]
  readonly details: RegistryErrorDetail[]
  readonly method: string
  /** The request URL, query values and userinfo redacted. */
  readonly url: string
  readonly hint?: string
  /** Whether trying again may help (transient status, reset connection, timeout). */
  readonly retryable: boolean
  readonly retryAfterMs?: number

  constructor(init: RegistryErrorInit) {
    const url = redactUrl(init.url)
    const details = init.details ?? []
    super(composeMessage(init, url, details), init.cause === undefined ? undefined : { cause: init.cause })
    this.status = init.status
    this.codes = details.map(d => d.code)
    this.details = details
    this.method = init.method
    this.url = url
    this.hint = init.hint
    this.retryAfterMs = init.retryAfterMs
    this.retryable = init.retryable ?? (init.status !== undefined && isRetryableStatus(init.status, details))
  }
}

function composeMessage(init: RegistryErrorInit, url: string, details: RegistryErrorDetail[]): string {
  const parts = [`${init.method} ${url}`]
  if (init.message) parts.push(init.message)
  else if (init.status !== undefined) parts.push(`${init.status}`)
  const detailText = details.map(d => (d.message ? `${d.code}: ${d.message}` : d.code)).join('; ')
  if (detailText) parts.push(detailText)
  const causeText = !init.message && init.cause instanceof Error ? init.cause.message : undefined
  if (causeText) parts.push(causeText)
  return parts.join(': ') + (init.hint ? `\n${init.hint}` : '')
}

// Query parameters that carry no secret; every other value (upload _state, storage signatures…) is masked.
const VISIBLE_QUERY = new Set(['digest', 'mount', 'from', 'service', 'scope', 'n', 'last'])

export function redactUrl(input: string | URL): string {
  let url: URL
  try {
    url = new URL(input.toString())
  } catch {
    return '<invalid url>'
  }
  url.username = ''
  url.password = ''
  for (const key of [...url.searchParams.keys()]) {
    if (!VISIBLE_QUERY.has(key.toLowerCase())) url.searchParams.set(key, '***')
  }
  return url.toString().replace(/%2A%2A%2A/g, '***')
}

/** `{"errors":[{code,message,detail}]}`; tolerant of non-JSON bodies (proxies, HTML pages). */
export function parseErrorBody(body: Buffer | undefined): RegistryErrorDetail[] {
  if (!body || body.length === 0) return []
  const text = body.subarray(0, 64 * 1024).toString('utf8')
  try {
    const errors = JsonValue.parse(text, 'error body').field('errors').array()
    return errors.map(e => {
      const { code, message } = e.object()
      return { code: textOf(code) || 'UNKNOWN', message: textOf(message) }
    })
  } catch {
    // not JSON, or not {errors:[{…}]}: keep a short excerpt of the text
  }
  const excerpt = text.replace(/\s+/g, ' ').trim().slice(0, 300)
  return excerpt ? [{ code: 'UNKNOWN', message: excerpt }] : []
}

export interface HintContext {
  registry: string
  repository?: string
  anonymous: boolean
  push: boolean
  /** The registry's Bearer challenge said `error="insufficient_scope"`: the token lacks the rights. */
  insufficientScope?: boolean
}

/** What the user should do about a 401/403 (or a few other answers). */
export function hintFor(
  status: number | undefined,
  details: RegistryErrorDetail[],
  ctx: HintContext
): string | undefined {
  const text = details.map(d => `${d.code} ${d.message}`).join(' ')
  const ghcr = ctx.registry === 'ghcr.io' || ctx.registry.startsWith('containers.')
  if (/write_package|write organization package|permission_denied/i.test(text)) return githubPackagesHint(ctx)
  if (status === 401 && ctx.insufficientScope && !ctx.anonymous) return deniedHint(ctx, ghcr)
  if (status === 401) {
    if (ctx.anonymous) {
      return `No credentials were found for ${ctx.registry}: pass a username and password/token, or log in (docker login) before this step.`
    }
    const ghcrNote = ghcr
      ? ' For ghcr.io use GITHUB_TOKEN (with "permissions: packages: write") or a classic personal access token with write:packages; fine-grained tokens are not supported.'
      : ''
    return `${ctx.registry} rejected the credentials: check the username and password/token.${ghcrNote}`
  }
  if (status === 403 || details.some(d => d.code === 'DENIED')) return deniedHint(ctx, ghcr)
  if (details.some(d => d.code === 'NAME_INVALID')) {
    return 'The registry refused the repository name: use lowercase letters, digits and separators (. _ -) only.'
  }
  if (status === 413)
    return 'The registry refused the size of the request body (manifest or layer too large).'
  return undefined
}

function deniedHint(ctx: HintContext, ghcr: boolean): string {
  if (ghcr) return githubPackagesHint(ctx)
  const what = ctx.push ? 'push to' : 'read'
  return `The credentials are valid but may not ${what} ${ctx.registry}/${ctx.repository ?? ''}: check the account's permissions on that repository.`
}

function githubPackagesHint(ctx: HintContext): string {
  return [
    `The token may not push to ${ctx.registry}/${ctx.repository ?? ''}.`,
    'Give the workflow job "permissions: packages: write".',
    'If the package already exists, link it to this repository: package settings → "Manage Actions access" → add the repository with the Write role (or set the org.opencontainers.image.source label when it is first created).',
    'Pull requests from forks get a read-only GITHUB_TOKEN and cannot push.'
  ].join(' ')
}

/** A string or number field of an error body as text; anything else is no text. */
function textOf(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : ''
}
