import { existsSync, readFileSync } from 'node:fs'
import { EnvVarError } from './clock.js'
import { errorMessage } from '../errors.js'
import { stringAt, valueAt } from './payload.js'
import type { GitContext } from './types.js'

/**
 * The run from GITHUB_* variables and the event payload (GITHUB_EVENT_PATH). As in metadata-action:
 * `pull_request_target` uses the PR's merge ref, and DOCKER_METADATA_PR_HEAD_SHA=true uses the PR head commit.
 */
export function readGitContext(env: NodeJS.ProcessEnv = process.env): GitContext {
  const payload = readPayload(env.GITHUB_EVENT_PATH)
  const eventName = env.GITHUB_EVENT_NAME ?? ''
  const ctx: GitContext = {
    eventName,
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    payload,
    repository: env.GITHUB_REPOSITORY ?? '',
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    actor: env.GITHUB_ACTOR ?? '',
    runId: env.GITHUB_RUN_ID
  }
  if (eventName.includes('pull_request_target')) {
    ctx.ref = `refs/pull/${String(valueAt(payload, 'number'))}/merge`
  }
  const headSha = stringAt(payload, 'pull_request', 'head', 'sha')
  if (/true/i.test(env.DOCKER_METADATA_PR_HEAD_SHA ?? '') && eventName.includes('pull_request') && headSha) {
    ctx.sha = headSha
  }
  return ctx
}

function readPayload(path: string | undefined): Record<string, unknown> {
  if (!path || !existsSync(path)) return {}
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new EnvVarError('GITHUB_EVENT_PATH', `cannot read the event payload ${path}: ${errorMessage(err)}`)
  }
  return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {}
}

/** The commit's date from a push payload: the `commits[]` entry for the SHA, else `head_commit` if it is the SHA. */
export function commitDateFromPayload(ctx: GitContext): Date | undefined {
  const commits = valueAt(ctx.payload, 'commits')
  if (Array.isArray(commits)) {
    const timestamp = stringAt(
      commits.find(commit => valueAt(commit, 'id') === ctx.sha),
      'timestamp'
    )
    if (timestamp) return validDate(timestamp)
  }
  if (stringAt(ctx.payload, 'head_commit', 'id') === ctx.sha) {
    const timestamp = stringAt(ctx.payload, 'head_commit', 'timestamp')
    if (timestamp) return validDate(timestamp)
  }
  return undefined
}

function validDate(timestamp: string): Date | undefined {
  const date = new Date(timestamp)
  return Number.isNaN(date.getTime()) ? undefined : date
}
