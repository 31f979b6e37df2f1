import { getOctokit } from '@actions/github'
import { GitHub } from '@actions/github/lib/utils'
import { buildTime } from './clock.js'
import { commitDateFromPayload } from './context.js'
import { errorMessage } from '../errors.js'
import { stringAt } from './payload.js'
import type { GitContext, Logger, RepoInfo } from './types.js'

export interface ApiOptions {
  /** abort a request after this long (default 15 s): a hanging API must not hang the run */
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 15_000

function ownerAndRepo(ctx: GitContext): { owner: string; repo: string } {
  const [owner = '', repo = ''] = ctx.repository.split('/')
  if (!owner || !repo) throw new Error(`GITHUB_REPOSITORY is '${ctx.repository}', expected OWNER/REPO`)
  return { owner, repo }
}

/** With a token, an authenticated client; without one (the CLI, a local run), anonymous reads of public repositories. */
function octokitFor(ctx: GitContext, token: string) {
  return token ? getOctokit(token, { baseUrl: ctx.apiUrl }) : new GitHub({ baseUrl: ctx.apiUrl })
}

function describeFailure(err: unknown): string {
  const status = (err as { status?: unknown }).status
  return typeof status === 'number' ? `HTTP ${status}: ${errorMessage(err)}` : errorMessage(err)
}

/**
 * `GET /repos/{owner}/{repo}` through @actions/github against GITHUB_API_URL (GitHub Enterprise Server too).
 * Any failure (no token, refused token, unreachable API) is a warning: the labels then come from the inputs
 * and the event payload.
 */
export async function fetchRepo(
  ctx: GitContext,
  token: string,
  logger: Logger,
  options: ApiOptions = {}
): Promise<RepoInfo | undefined> {
  try {
    const octokit = octokitFor(ctx, token)
    const response = await octokit.rest.repos.get({
      ...ownerAndRepo(ctx),
      request: { signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) }
    })
    return response.data
  } catch (err) {
    logger.warning(
      `Cannot read repository ${ctx.repository} from ${ctx.apiUrl} (${describeFailure(err)}); ` +
        'labels and annotations come from the inputs and the event only'
    )
    return undefined
  }
}

/**
 * The commit date for `{{commit_date}}`: from the push payload, else the API's committer date
 * (`GET /repos/{o}/{r}/commits/{sha}`), else SOURCE_DATE_EPOCH, else now.
 */
export async function resolveCommitDate(
  ctx: GitContext,
  token: string,
  logger: Logger,
  env: NodeJS.ProcessEnv,
  options: ApiOptions & { now?: Date } = {}
): Promise<Date> {
  const fromPayload = commitDateFromPayload(ctx)
  if (fromPayload) return fromPayload
  if (!ctx.sha) return buildTime(env, options.now)
  try {
    const octokit = octokitFor(ctx, token)
    const response = await octokit.rest.repos.getCommit({
      ...ownerAndRepo(ctx),
      ref: ctx.sha,
      request: { signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) }
    })
    const date = stringAt(response.data, 'commit', 'committer', 'date')
    if (date && !Number.isNaN(new Date(date).getTime())) return new Date(date)
    logger.warning(`Commit ${ctx.sha} has no committer date; commit_date uses the build time`)
  } catch (err) {
    logger.warning(
      `Cannot read commit ${ctx.sha} from ${ctx.apiUrl} (${describeFailure(err)}); commit_date uses the build time`
    )
  }
  return buildTime(env, options.now)
}
