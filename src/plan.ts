import { stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { parsePlatforms, parseSecrets, type BuildRequest } from './builders/index.js'
import { InputError } from './inputs/errors.js'
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
import { parseDigestLines, type DigestLine } from './publish/digests.js'

/** `build` builds and pushes with tags; a leg pushes by digest only; `merge` builds nothing. */
export type RunMode = 'build' | 'push-by-digest' | 'merge'

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
  mode: RunMode
  /** The `digests` lines a merge merges (empty otherwise). */
  digests: DigestLine[]
}

/** Validates every input and computes the metadata; fails before any build with errors naming the input. */
export async function planRun(
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  logger: MetadataLogger
): Promise<RunPlan> {
  validateRegistry(inputs.registry)
  const mode = runMode(inputs)
  const build = await buildRequestFrom(inputs, env, mode)
  const context = readGitContext(env)
  const { push, reason } = decidePush(inputs, context)
  const digests = mode === 'merge' ? mergeDigestLines(inputs, push) : []
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
      // A merge always pushes an index: its annotations go there too, even for a single digest.
      platformCount: mode === 'merge' ? Math.max(digests.length, 2) : build.platforms.length
    },
    context,
    repo,
    { env, logger, commitDate }
  )
  build.labels = metadata.labels
  if (mode === 'merge') metadata.warnings.push(...ignoredByMerge(inputs))
  return {
    context,
    repo,
    metadata,
    push,
    pushReason: reason,
    build,
    builderName: inputs.builder,
    registry: inputs.registry,
    mode,
    digests
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

/** Which run this is; the combinations that cannot work fail here, naming the inputs. */
function runMode(inputs: Inputs): RunMode {
  if (inputs.pushByDigest && inputs.merge) {
    throw new InputError(
      'merge',
      'merge: true and push-by-digest: true exclude each other: the legs push by digest, then one job merges their digests'
    )
  }
  if (inputs.digests.length > 0 && !inputs.merge) {
    throw new InputError(
      'digests',
      'digests are only read with merge: true; set merge: true or leave digests empty'
    )
  }
  if (inputs.merge) return 'merge'
  return inputs.pushByDigest ? 'push-by-digest' : 'build'
}

/**
 * The lines a merge merges. A merge that pushes nothing (a pull request's legs pushed nothing either)
 * reads none, unless it is a dry run: that one checks them.
 */
function mergeDigestLines(inputs: Inputs, push: boolean): DigestLine[] {
  if (!push && !inputs.dryRun) return []
  const digests = parseDigestLines(inputs.digests)
  if (digests.length === 0 && !inputs.dryRun) {
    throw new InputError('digests', 'merge: true needs the digests the legs pushed, one sha256:… per line')
  }
  return digests
}

/** The build inputs set to something a merge does not use (it builds nothing). */
function ignoredByMerge(inputs: Inputs): string[] {
  const set: [string, boolean][] = [
    ['platforms', inputs.platforms.length > 0],
    ['file', inputs.file !== ''],
    ['build-args', inputs.buildArgs.length > 0],
    ['secrets', inputs.secrets.length > 0],
    ['target', inputs.target !== ''],
    ['cache-from', inputs.cacheFrom.length > 0],
    ['cache-to', inputs.cacheTo.length > 0]
  ]
  const names = set.filter(([, isSet]) => isSet).map(([name]) => name)
  if (names.length === 0) return []
  return [`merge: true builds nothing, so ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} ignored`]
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
  env: NodeJS.ProcessEnv,
  mode: RunMode
): Promise<Omit<BuildRequest, 'workDir'>> {
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const context = resolve(workspace, inputs.context)
  // A merge job builds nothing and usually has no checkout.
  if (mode !== 'merge' && !(await isDirectory(context))) {
    throw new InputError('context', `${context} is not a directory; point it at the folder to build`)
  }
  const file = inputs.file ? resolve(workspace, inputs.file) : join(context, 'Dockerfile')
  return {
    context,
    file,
    buildArgs: inputs.buildArgs,
    target: inputs.target,
    labels: {},
    platforms: mode === 'merge' ? [] : parsePlatforms(inputs.platforms),
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
