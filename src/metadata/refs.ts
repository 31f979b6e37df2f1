import type { GitContext } from './types.js'
import { stringAt } from './payload.js'
import { EnvVarError } from './clock.js'

export const isBranchRef = (ref: string): boolean => ref.startsWith('refs/heads/')
export const isTagRef = (ref: string): boolean => ref.startsWith('refs/tags/')
export const isPullRef = (ref: string): boolean => ref.startsWith('refs/pull/')

/** The branch name, or '' when the ref is not a branch. */
export function branchName(ref: string): string {
  return isBranchRef(ref) ? ref.slice('refs/heads/'.length) : ''
}

/** The tag name, or '' when the ref is not a tag. */
export function tagName(ref: string): string {
  return isTagRef(ref) ? ref.slice('refs/tags/'.length) : ''
}

/** `refs/pull/42/merge` → `42`. */
export function pullNumber(ref: string): string {
  return ref.replace(/^refs\/pull\//, '').replace(/\/merge$/, '')
}

/** On a tag push, the branch in the payload's `base_ref`; on a PR, the PR's base branch; else ''. */
export function baseRef(ctx: GitContext): string {
  const pushBase = stringAt(ctx.payload, 'base_ref')
  if (isTagRef(ctx.ref) && pushBase !== undefined) return pushBase.replace(/^refs\/heads\//, '')
  const prBase = stringAt(ctx.payload, 'pull_request', 'base', 'ref')
  if (isPullRef(ctx.ref) && prBase !== undefined) return prBase
  return ''
}

/** Events that always run on the default branch's last commit. */
const DEFAULT_BRANCH_EVENTS = /create|discussion|issues|schedule/

/** metadata-action's `is_default_branch`: compares with the payload's default branch, not the API's. */
export function isDefaultBranch(ctx: GitContext): boolean {
  const branch = ctx.ref.replace(/^refs\/heads\//, '')
  if (branch === '') return false
  if (stringAt(ctx.payload, 'repository', 'default_branch') === branch) return true
  return DEFAULT_BRANCH_EVENTS.test(ctx.eventName)
}

const DEFAULT_SHORT_SHA_LENGTH = 7

/** The commit SHA cut to DOCKER_METADATA_SHORT_SHA_LENGTH characters (default 7). */
export function shortSha(sha: string, env: NodeJS.ProcessEnv): string {
  const raw = env.DOCKER_METADATA_SHORT_SHA_LENGTH
  let length = DEFAULT_SHORT_SHA_LENGTH
  if (raw) {
    length = Number(raw)
    if (Number.isNaN(length))
      throw new EnvVarError('DOCKER_METADATA_SHORT_SHA_LENGTH', `not a number: '${raw}'`)
  }
  return length >= sha.length ? sha : sha.substring(0, length)
}
