import { readGitContext } from '../metadata/context.js'
import { stringAt } from '../metadata/payload.js'

/** The workflow run a provenance statement describes: everything it says about GitHub, typed. */
export interface RunContext {
  /** GITHUB_SERVER_URL without a trailing slash (https://github.com, https://acme.ghe.com, GHES). */
  serverUrl: string
  /** GITHUB_API_URL without a trailing slash. */
  apiUrl: string
  /** owner/repo */
  repository: string
  repositoryId: string
  repositoryOwnerId: string
  /** `public`, `private`, `internal` from the event payload; '' when unknown. */
  repositoryVisibility: string
  /** GITHUB_WORKFLOW_REF: `owner/repo/.github/workflows/ci.yml@refs/heads/main`. */
  workflowRef: string
  /** The reusable workflow that runs the job (the OIDC token's job_workflow_ref); defaults to workflowRef. */
  jobWorkflowRef?: string
  /** GITHUB_REF: refs/heads/main, refs/tags/v1… */
  ref: string
  sha: string
  eventName: string
  runId: string
  runAttempt: string
  /** github-hosted or self-hosted. */
  runnerEnvironment: string
}

/** The run from the runner's GITHUB_* variables and the event payload. */
export function runContextFromEnv(env: NodeJS.ProcessEnv): RunContext {
  const git = readGitContext(env)
  return {
    serverUrl: git.serverUrl,
    apiUrl: git.apiUrl,
    repository: git.repository,
    repositoryId: env.GITHUB_REPOSITORY_ID ?? '',
    repositoryOwnerId: env.GITHUB_REPOSITORY_OWNER_ID ?? '',
    repositoryVisibility: stringAt(git.payload, 'repository', 'visibility') ?? '',
    workflowRef: env.GITHUB_WORKFLOW_REF ?? '',
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    eventName: env.GITHUB_EVENT_NAME ?? '',
    runId: env.GITHUB_RUN_ID ?? '',
    runAttempt: env.GITHUB_RUN_ATTEMPT || '1',
    runnerEnvironment: env.RUNNER_ENVIRONMENT ?? ''
  }
}
