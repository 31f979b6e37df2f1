import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parsePlatforms, parseSecrets, type BuildRequest } from './build/index.js'
import { InputError, NotSupportedYetError } from './inputs/errors.js'
import type { Inputs } from './inputs/types.js'
import {
  computeMetadata,
  fetchRepo,
  readGitContext,
  resolveCommitDate,
  usesCommitDate,
  type GitContext,
  type Metadata,
  type MetadataLogger,
  type RepoInfo
} from './metadata/index.js'

/** Everything decided before anything is built or pushed. */
export interface RunPlan {
  context: GitContext
  repo: RepoInfo | undefined
  metadata: Metadata
  push: boolean
  pushReason: string
  build: Omit<BuildRequest, 'workDir'>
  /** The builder asked for; the one that ran once the build is done. */
  builderName: string
  registry: string
}

/** Validates every input and computes the metadata; fails before any build with errors naming the input. */
export async function planRun(
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  logger: MetadataLogger
): Promise<RunPlan> {
  rejectUnsupported(inputs)
  validateRegistry(inputs.registry)
  const build = await buildRequestFrom(inputs, env)
  const context = readGitContext(env)
  const repo = await fetchRepo(context, inputs.githubToken, logger)
  const commitDate = await commitDateIfUsed(inputs, context, env, logger)
  const metadata = computeMetadata(
    {
      images: inputs.images,
      tags: inputs.tags,
      flavor: inputs.flavor,
      labels: inputs.labels,
      annotations: inputs.annotations,
      description: inputs.description,
      licenses: inputs.licenses,
      source: inputs.source,
      defaultImage: `${inputs.registry}/${context.repository}`,
      platformCount: build.platforms.length
    },
    context,
    repo,
    { env, logger, commitDate }
  )
  build.labels = metadata.labels
  const { push, reason } = decidePush(inputs, context)
  return {
    context,
    repo,
    metadata,
    push,
    pushReason: reason,
    build,
    builderName: inputs.builder,
    registry: inputs.registry
  }
}

/**
 * The commit date, only when a template uses `{{commit_date}}`: from the push payload, else the REST API's
 * committer date, else the build time. Undefined otherwise, so no run makes an API call it does not need.
 */
async function commitDateIfUsed(
  inputs: Inputs,
  context: GitContext,
  env: NodeJS.ProcessEnv,
  logger: MetadataLogger
): Promise<Date | undefined> {
  const templates = [...inputs.tags, ...inputs.flavor, ...inputs.labels, ...inputs.annotations]
  if (!usesCommitDate(templates)) return undefined
  return resolveCommitDate(context, inputs.githubToken, logger, env)
}

function rejectUnsupported(inputs: Inputs): void {
  if (inputs.pushByDigest) throw new NotSupportedYetError('push-by-digest')
  if (inputs.merge) throw new NotSupportedYetError('merge')
}

function validateRegistry(registry: string): void {
  if (!registry || /[/\s]|^[a-z]+:/i.test(registry)) {
    throw new InputError(
      'registry',
      `'${registry}' is not a registry host; use a host[:port] such as ghcr.io`
    )
  }
}

async function buildRequestFrom(
  inputs: Inputs,
  env: NodeJS.ProcessEnv
): Promise<Omit<BuildRequest, 'workDir'>> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const context = resolve(workspace, inputs.context)
  if (!(await isDirectory(context))) {
    throw new InputError('context', `${context} is not a directory; point it at the folder to build`)
  }
  const file = inputs.file ? resolve(workspace, inputs.file) : join(context, 'Dockerfile')
  return {
    context,
    file,
    buildArgs: inputs.buildArgs,
    target: inputs.target,
    labels: {},
    platforms: parsePlatforms(inputs.platforms),
    noCache: inputs.noCache,
    pull: inputs.pull,
    secrets: parseSecrets(inputs.secrets),
    cacheFrom: inputs.cacheFrom,
    cacheTo: inputs.cacheTo,
    env: {}
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory()
  } catch {
    return false
  }
}

export function decidePush(
  inputs: Pick<Inputs, 'push'>,
  context: Pick<GitContext, 'eventName'>
): { push: boolean; reason: string } {
  if (inputs.push === 'true') return { push: true, reason: 'push: true' }
  if (inputs.push === 'false') return { push: false, reason: 'push: false' }
  if (context.eventName === 'pull_request') {
    return { push: false, reason: 'push: auto builds only for pull_request events' }
  }
  return { push: true, reason: `push: auto pushes for ${context.eventName || 'this'} event` }
}
