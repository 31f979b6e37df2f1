/** Records a Sigstore bundle as a GitHub artifact attestation (what `gh attestation verify` finds). */
import { getOctokit } from '@actions/github'
import { errorMessage } from '../errors.js'
import { statusOf } from '../packages/api.js'
import { withTimeout } from './stopped.js'

export interface AttestationsApiTarget {
  /** GITHUB_API_URL (https://api.github.com, GHES's /api/v3). */
  apiUrl: string
  /** owner/repo */
  repository: string
  /** The `github-token` input; needs `attestations: write`. */
  token: string
  timeoutMs?: number
  /** Stops the request (a cancelled run, the push-timeout), besides its own timeout. */
  signal?: AbortSignal
}

/** `POST /repos/{owner}/{repo}/attestations` with `{bundle}` → the attestation's id. */
export async function recordAttestation(bundle: unknown, target: AttestationsApiTarget): Promise<string> {
  const [owner = '', repo = ''] = target.repository.split('/')
  if (!owner || !repo) throw new Error(`repository '${target.repository}' is not OWNER/REPO`)
  if (!target.token) throw new Error('no github-token to call the attestations API with')
  const octokit = getOctokit(target.token, { baseUrl: target.apiUrl })
  try {
    const response = await octokit.request('POST /repos/{owner}/{repo}/attestations', {
      owner,
      repo,
      bundle: bundle as never,
      request: { signal: withTimeout(target.timeoutMs ?? 30_000, target.signal) }
    })
    const data = response.data as { id?: unknown }
    return typeof data.id === 'number' || typeof data.id === 'string' ? String(data.id) : ''
  } catch (err) {
    const status = statusOf(err)
    const hint = status === 403 || status === 404 ? '; the job needs `permissions: attestations: write`' : ''
    const detail = status === undefined ? errorMessage(err) : `HTTP ${status}: ${errorMessage(err)}`
    throw new Error(
      `cannot record the attestation at ${target.apiUrl}/repos/${owner}/${repo}/attestations (${detail})${hint}`,
      { cause: err }
    )
  }
}
