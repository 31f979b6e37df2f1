import { join, resolve } from 'node:path'
import { parsePlatforms, parseSecrets, type BuildRequest, type SecretSpec } from './builders/index.js'
import type { BuildxRelease } from './builders/buildx/install.js'
import { secretsFromBpa, type BuildExtras } from './builders/options/extras.js'
import { InputError } from './inputs/errors.js'
import { resolveLogin, type RegistryLogin } from './inputs/login.js'
import type { BuilderChoice, Inputs } from './inputs/types.js'
import {
  decidePush,
  ignoredByMerge,
  mergeDigestLines,
  requireAnImage,
  runKind,
  validateCleanup,
  buildxRelease,
  sbomOptions,
  validateRegistry
} from './inputs/validate.js'
import {
  computeMetadata,
  fetchRepo,
  readGitContext,
  resolveCommitDate,
  usesCommitDate,
  loadTemplateEngine,
  needsTemplateEngine,
  type GitContext,
  type Metadata,
  type Logger,
  type RepoInfo
} from './metadata/index.js'
import type { DigestLine } from './publish/digests.js'
import { isDirectory } from './files.js'
import { checkSigningPossible, oidcAvailable, type ProvenanceSettings } from './attest/index.js'

/** What every plan holds: decided before anything is built or pushed. */
interface PlanBase {
  context: GitContext
  repo: RepoInfo | undefined
  metadata: Metadata
  push: boolean
  pushReason: string
  registry: string
  /** The action's own login for `registry`; undefined leaves every registry to the keychain. */
  login: RegistryLogin | undefined
  /** `provenance` for what this run pushes; undefined when off or nothing is pushed. */
  provenance?: ProvenanceSettings
  /** Whether this job can ask for an OIDC token to sign with (the plan fetches none). */
  oidc: boolean
}

/** A build: one job builds and pushes with tags, or a leg pushes its platform images by digest only. */
export interface BuildPlan extends PlanBase {
  kind: 'build'
  byDigest: boolean
  build: Omit<BuildRequest, 'workDir'>
  builder: BuilderChoice
  /** The buildx to install for this run when docker is here without a recent enough buildx plugin. */
  buildxRelease: BuildxRelease
  /** `sbom`: the format, and where syft comes from when none is on PATH (src/sbom prepareScanner). */
  sbom?: ReturnType<typeof sbomOptions>
}

/** A merge job: builds nothing, puts the legs' digests in one index. */
export interface MergePlan extends PlanBase {
  kind: 'merge'
  digests: DigestLine[]
}

export type RunPlan = BuildPlan | MergePlan

/** Validates every input and computes the metadata; fails before any build with errors naming the input. */
export async function planRun(inputs: Inputs, env: NodeJS.ProcessEnv, logger: Logger): Promise<RunPlan> {
  validateRegistry(inputs.registry)
  const kind = runKind(inputs)
  validateCleanup(inputs)
  const context = readGitContext(env)
  const { push, reason } = decidePush(inputs, context)
  const login = resolveLogin(inputs, env)
  const provenance = provenancePlan(inputs, push, env)
  const base = {
    context,
    push,
    pushReason: reason,
    registry: inputs.registry,
    login,
    ...(provenance && { provenance }),
    oidc: oidcAvailable(env)
  }
  if (kind === 'merge') {
    const digests = mergeDigestLines(inputs, push)
    const described = await describe(inputs, context, env, logger, Math.max(digests.length, 2))
    requireAnImage(described.metadata.images, push && !inputs.dryRun)
    described.metadata.warnings.push(...ignoredByMerge(inputs))
    return { ...base, ...described, kind, digests }
  }
  const release = buildxRelease(inputs)
  const sbom = sbomOptions(inputs)
  const build = await buildRequestFrom(inputs, env)
  const described = await describe(inputs, context, env, logger, build.platforms.length)
  requireAnImage(described.metadata.images, push && !inputs.dryRun)
  build.labels = described.metadata.labels
  if (build.extras?.load) build.loadTags = described.metadata.tags
  return {
    ...base,
    ...described,
    kind,
    byDigest: inputs.pushByDigest,
    build,
    builder: inputs.builder,
    buildxRelease: release,
    ...(sbom && { sbom })
  }
}

/** Provenance for pushes from a workflow; signing=required without an OIDC token fails here, before any build. */
export function provenancePlan(
  inputs: Pick<Inputs, 'provenance' | 'dryRun'>,
  push: boolean,
  env: NodeJS.ProcessEnv
): ProvenanceSettings | undefined {
  const settings = inputs.provenance
  if (!push || settings.mode === 'off') return undefined
  // Outside Actions (the CLI) there is no workflow run to attest: provenance only when asked for.
  if (!settings.explicit && env.GITHUB_ACTIONS !== 'true') return undefined
  if (!inputs.dryRun) checkSigningPossible(settings, env)
  return settings
}

/**
 * The repository's facts and the metadata computed from them. A merge always pushes an index: its
 * annotations go there too, even for a single digest, hence its platform count of at least 2.
 */
async function describe(
  inputs: Inputs,
  context: GitContext,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  platformCount: number
): Promise<{ repo: RepoInfo | undefined; metadata: Metadata }> {
  const templates = [...inputs.tags, ...inputs.flavor, ...inputs.labels, ...inputs.annotations]
  const engine = needsTemplateEngine(templates) ? loadTemplateEngine() : undefined
  engine?.catch(() => {}) // awaited below, unless the REST API fails first
  const repo = await fetchRepo(context, inputs.githubToken, logger)
  const commitDate = await commitDateIfUsed(templates, context, inputs.githubToken, env, logger)
  await engine
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
      platformCount
    },
    context,
    repo,
    { env, logger, commitDate }
  )
  return { repo, metadata }
}

/**
 * The commit date, only when a template uses `{{commit_date}}`: from the push payload, else the REST API's
 * committer date, else the build time. Undefined otherwise, so no run makes an API call it does not need.
 */
async function commitDateIfUsed(
  templates: readonly string[],
  context: GitContext,
  githubToken: string,
  env: NodeJS.ProcessEnv,
  logger: Logger
): Promise<Date | undefined> {
  if (!usesCommitDate(templates)) return undefined
  return resolveCommitDate(context, githubToken, logger, env)
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
    secrets: allSecrets(inputs),
    cacheFrom: inputs.cacheFrom,
    cacheTo: inputs.cacheTo,
    env: {},
    network: inputs.extras.network,
    extras: buildExtras(inputs.extras)
  }
}

/** `secrets` lines plus build-push-action's `secret-envs`/`secret-files`, each id once. */
function allSecrets(inputs: Inputs): SecretSpec[] {
  const secrets = [
    ...parseSecrets(inputs.secrets),
    ...secretsFromBpa(inputs.extras.secretEnvs, inputs.extras.secretFiles)
  ]
  const ids = secrets.map(s => s.id)
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i)
  if (repeated !== undefined)
    throw new InputError(
      'secrets',
      `secret id '${repeated}' is given more than once (secrets, secret-envs, secret-files)`
    )
  return secrets
}

function buildExtras(x: Inputs['extras']): BuildExtras {
  const { network: _network, secretEnvs: _envs, secretFiles: _files, ...extras } = x
  return extras
}
