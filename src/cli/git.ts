import { execCommand, type ExecOptions, type ExecResult } from '../exec.js'
import { UsageError } from './errors.js'

export type Exec = (cmd: string, args: readonly string[], options?: ExecOptions) => Promise<ExecResult>

/** What the local repository says about HEAD. Empty strings where git has no answer. */
export interface LocalGit {
  sha: string
  /** refs/heads/<branch>, else refs/tags/<tag> pointing at HEAD, else empty (detached). */
  ref: string
  remoteUrl: string
}

/** Reads HEAD, its branch or tag, and the origin remote; undefined outside a repository (or without git). */
export async function readLocalGit(cwd: string, exec: Exec = execCommand): Promise<LocalGit | undefined> {
  const git = (...args: string[]) =>
    exec('git', args, { cwd }).then(
      r => r.stdout.trim(),
      () => ''
    )
  const sha = await git('rev-parse', '--verify', '--quiet', 'HEAD')
  if (!sha) return undefined
  const branch = await git('symbolic-ref', '--quiet', 'HEAD')
  const tag = branch ? '' : await git('describe', '--tags', '--exact-match', 'HEAD')
  const ref = branch || (tag ? `refs/tags/${tag}` : '')
  return { sha, ref, remoteUrl: await git('remote', 'get-url', 'origin') }
}

/**
 * OWNER/NAME of a GitHub remote URL (https, ssh:// or scp-like `git@host:owner/name.git`) on `host`;
 * undefined for any other URL.
 */
export function githubRepository(url: string, host = 'github.com'): string | undefined {
  const forms = [
    /^(?:https?|ssh|git):\/\/(?:[^@/]*@)?([^/:]+)(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/i,
    /^(?:[^@/]+@)?([^/:]+):([^/]+)\/([^/]+?)(?:\.git)?\/?$/
  ]
  for (const form of forms) {
    const m = form.exec(url.trim())
    if (m && m[1]?.toLowerCase() === host.toLowerCase() && m[2] && m[3]) return `${m[2]}/${m[3]}`
  }
  return undefined
}

/**
 * The env the metadata stage reads (GITHUB_*), filled from the local repository where not already set.
 * `--repository` wins over GITHUB_REPOSITORY, which wins over the origin remote. Pure.
 */
export function gitContextEnv(
  env: NodeJS.ProcessEnv,
  local: LocalGit | undefined,
  opts: { repository?: string; imagesGiven: boolean }
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env }
  const fill = (name: string, value: string | undefined) => {
    if (!out[name] && value) out[name] = value
  }
  fill('GITHUB_EVENT_NAME', 'push')
  fill('GITHUB_SHA', local?.sha)
  fill('GITHUB_REF', local?.ref)
  fill('GITHUB_SERVER_URL', 'https://github.com')
  const repository =
    opts.repository || out.GITHUB_REPOSITORY || remoteRepository(local, out.GITHUB_SERVER_URL)
  if (repository) {
    if (!/^[^/\s]+\/[^/\s]+$/.test(repository)) {
      throw new UsageError('--repository', `'${repository}' is not OWNER/NAME`)
    }
    out.GITHUB_REPOSITORY = repository
    fill('GITHUB_REPOSITORY_OWNER', repository.split('/')[0])
  } else if (!opts.imagesGiven) {
    throw new UsageError('--repository', missingRepository(local))
  }
  return out
}

function remoteRepository(local: LocalGit | undefined, serverUrl: string | undefined): string | undefined {
  if (!local?.remoteUrl) return undefined
  return githubRepository(local.remoteUrl, hostOf(serverUrl))
}

function hostOf(serverUrl: string | undefined): string {
  try {
    return serverUrl ? new URL(serverUrl).hostname : 'github.com'
  } catch {
    return 'github.com'
  }
}

function missingRepository(local: LocalGit | undefined): string {
  const why = !local
    ? 'this is not a git repository'
    : local.remoteUrl
      ? 'the origin remote is not a GitHub repository'
      : 'the repository has no origin remote'
  return `cannot tell the GitHub repository (${why}); pass --repository OWNER/NAME, or --image`
}
