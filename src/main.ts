import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ensurePlatformsRunnable,
  selectBuilder,
  startBuilderProbe,
  validateBuildRequest,
  type Builder,
  type BuildRequest,
  type Runner
} from './builders/index.js'
import { execCommand } from './exec.js'
import { readDockerfileBaseImages } from './builders/options/base-images.js'
import { writePrivateRegistryAuth } from './builders/registry-auth.js'
import { cleanupLines, cleanupWarnings, runCleanup, type CleanupResult } from './cleanup/index.js'
import { loginSecrets } from './inputs/login.js'
import { checkPackageLinks } from './packages/link-check.js'
import type { Inputs } from './inputs/types.js'
import { planRun, type BuildPlan, type MergePlan, type RunPlan } from './plan.js'
import { mergeDigests } from './publish/merge.js'
import type { Attest } from './publish/attestations.js'
import { attestRun } from './publish/attest-run.js'
import { readBuiltImages } from './publish/layout.js'
import { buildShapeOf, runContextFromEnv, type BuildShape } from './attest/index.js'
import { generateSboms, prepareScanner, type PlatformSbom, type SbomScanner } from './sbom/index.js'
import { publishLayout, type PublishResult } from './publish/publish.js'
import { lookUpKnownLayers, type KnownLayerLookups } from './publish/prefetch.js'
import { HeadStart } from './publish/head-start.js'
import { buildStartSignal, checkPushAccess, stopsNoEarlierThan, whileChecking } from './preflight.js'
import { createRegistryClient } from './publish/registry-client.js'
import {
  warmGzipWorkers,
  type CompressionOptions,
  type Logger,
  type RegistryClient
} from './registry/index.js'
import { planText, writeReport, type Outcome } from './report/write.js'
import type { Runtime } from './runtime/types.js'
import { STATE_BUILDX_BUILDER, STATE_BUILDX_DOCKER_CONFIG, STATE_WORK_DIR } from './state.js'
import { errorMessage } from './errors.js'

/** What every stage of one run shares. */
interface Step {
  inputs: Inputs
  env: NodeJS.ProcessEnv
  rt: Runtime
  log: Logger
  /** Fires when the run is cancelled: nothing new starts, what this run created is removed. */
  signal: AbortSignal
}

/** The whole step: inputs → metadata → build → publish → report. */
export async function run(
  inputs: Inputs,
  rt: Runtime,
  env: NodeJS.ProcessEnv = process.env,
  signal: AbortSignal = new AbortController().signal
): Promise<void> {
  const log = { info: rt.info, warning: rt.warning, debug: rt.debug }
  const step: Step = { inputs, env, rt, log, signal }
  for (const secret of [inputs.password, inputs.githubToken]) if (secret) rt.setSecret(secret)
  const builderRun = inputs.merge ? execCommand : startBuilderProbe(inputs.builder, env)
  const plan = await planRun(inputs, env, step.log)
  for (const secret of loginSecrets(plan.login)) rt.setSecret(secret)
  for (const warning of plan.metadata.warnings) rt.warning(warning)
  switch (plan.kind) {
    case 'merge':
      return merge(step, plan)
    case 'build':
      return build(step, plan, builderRun)
  }
}

async function build(step: Step, plan: BuildPlan, run: Runner): Promise<void> {
  const selected = await selectBuilder(plan.builder, step.log, step.env, run, {
    buildxRelease: plan.buildxRelease
  })
  // A buildx installed for this run is used through a private DOCKER_CONFIG; the post step removes it if we cannot.
  if (selected.dockerConfig) step.rt.saveState(STATE_BUILDX_DOCKER_CONFIG, selected.dockerConfig)
  try {
    await buildWith(step, plan, selected.builder, selected.reason)
  } finally {
    if (selected.dockerConfig) await rm(selected.dockerConfig, { recursive: true, force: true })
  }
}

async function buildWith(step: Step, plan: BuildPlan, builder: Builder, reason: string): Promise<void> {
  step.rt.debug(`builder ${builder.name}: ${reason}`)
  if (step.inputs.dryRun) {
    step.rt.info(planText(plan, builder.name))
    await writeReport(step.rt, plan, { builder: builder.name }, step.inputs.summary)
    return
  }
  step.rt.info(pushText(plan))
  const workDir = await mkdtemp(join(step.env.RUNNER_TEMP || tmpdir(), 'publish-image-'))
  step.rt.saveState(STATE_WORK_DIR, workDir)
  try {
    const outcome = await buildAndPublish(step, builder, plan, workDir)
    await writeReport(step.rt, plan, outcome, step.inputs.summary)
  } finally {
    // A leftover the runner's user cannot delete (a rootless build's files) must not replace the outcome.
    await rm(workDir, { recursive: true, force: true }).catch((err: unknown) =>
      step.rt.warning(`could not remove the step's temporary dir ${workDir}: ${errorMessage(err)}`)
    )
  }
}

function pushText(plan: BuildPlan): string {
  if (!plan.push) return `Building only (${plan.pushReason})`
  if (plan.byDigest) return `Pushing by digest only: no tags, no index (${plan.pushReason})`
  return `Pushing (${plan.pushReason})`
}

/** A merge job: builds nothing, puts the legs' digests in one index and tags it. */
async function merge(step: Step, plan: MergePlan): Promise<void> {
  if (step.inputs.dryRun || !plan.push) {
    step.rt.info(step.inputs.dryRun ? planText(plan) : `Merging nothing (${plan.pushReason})`)
    await writeReport(step.rt, plan, { builder: 'none' }, step.inputs.summary)
    return
  }
  const client = createRegistryClient(plan.login, step.log, step.rt.setSecret, step.env, step.signal)
  await preflight(step, client, plan.metadata.images)
  const levels = plan.metadata.annotationsByLevel
  startPushDeadline(step, client, 'the merge')
  const result = await step.rt.group('Merge', () =>
    mergeDigests({
      client,
      images: plan.metadata.images,
      tags: plan.metadata.tagNames,
      digests: plan.digests,
      annotations: { index: levels.index, manifestDescriptor: levels['manifest-descriptor'] },
      logger: step.log,
      tempDir: step.env.RUNNER_TEMP || tmpdir(),
      signal: client.signal,
      attest: attestationsFor(step, plan, client)
    })
  )
  const cleanup = await cleanUp(step, plan, client, result)
  const link = await checkLink(step, plan)
  await writeReport(step.rt, plan, { builder: 'none', result, cleanup, ...link }, step.inputs.summary)
}

/**
 * Validates, checks push access, builds, pushes. Layers may upload during the build (the head start),
 * never before the access check; no manifest and no tag is written when anything before fails.
 */
async function buildAndPublish(
  step: Step,
  builder: Builder,
  plan: BuildPlan,
  workDir: string
): Promise<Outcome> {
  const request = await buildRequest(step, plan, workDir)
  await validateBuildRequest(request, builder.name)
  const client = plan.push
    ? createRegistryClient(plan.login, step.log, step.rt.setSecret, step.env, step.signal)
    : undefined
  // syft found or installed before anything starts: a missing scanner fails before the build.
  const scanner = plan.push && plan.sbom ? await prepareSbomScanner(step, plan.sbom) : undefined
  // The push-access check, then the base-layer lookups, run while the build does; nothing is pushed before.
  // They start once the builder has (or has failed to): a first TLS context alone costs ~25 ms of CPU.
  const started = buildStartSignal()
  const access = client
    ? started.promise.then(() =>
        stopsNoEarlierThan(started.at(), preflight(step, client, plan.metadata.images))
      )
    : Promise.resolve()
  // The push's gzip workers start meanwhile too, idle until the build is done.
  if (client && (step.inputs.compression ?? 'gzip') === 'gzip') {
    void started.promise.then(() => step.rt.debug(`gzip: ${warmGzipWorkers()} deflate workers started`))
  }
  // The FROM lines, read once: for the base-layer lookups and for the provenance's dependencies.
  const baseImages = readDockerfileBaseImages(plan.build.file, plan.build.buildArgs, step.env)
  const lookups = client && access.then(async () => knownLayerLookups(step, client, plan, await baseImages))
  lookups?.catch(() => {})
  const headStart = client && lookups && (await startHeadStart(step, client, plan, lookups, workDir))
  const built = await whileChecking(
    access,
    step.signal,
    async signal => {
      try {
        await ensurePlatformsRunnable(request.platforms, step.log)
        signal.throwIfAborted()
        const building = { ...request, signal, onBuildStarted: started.mark, onBlob: headStart?.offer }
        return await step.rt.group(`Build (${builder.name})`, () => builder.build(building, step.log))
      } finally {
        started.mark()
      }
    },
    async b => b.cleanup
  ).catch(async (error: unknown) => {
    headStart?.cancel()
    await headStart?.settled()
    throw error
  })
  try {
    if (!client) return { builder: builder.name }
    const sboms = scanner ? await scanSboms(step, plan, scanner, built.layoutDir, workDir) : undefined
    const shape =
      plan.provenance?.mode === 'max'
        ? await buildShapeOf(request, step.inputs, builder.name, step.env)
        : undefined
    const bases = plan.provenance ? await baseImages : []
    const result = await publish(step, client, plan, built.layoutDir, await lookups, headStart, {
      shape,
      sboms,
      baseImages: bases
    })
    const cleanup = await cleanUp(step, plan, client, result)
    return { builder: builder.name, result, cleanup, ...(await checkLink(step, plan)) }
  } finally {
    headStart?.cancel() // what the push did not take (it awaited what it took)
    await headStart?.settled()
    await built.cleanup
  }
}

/** Compression of the layers a builder hands over as a stream, while it does (see head-start.ts). */
async function startHeadStart(
  step: Step,
  client: RegistryClient,
  plan: BuildPlan,
  lookups: Promise<KnownLayerLookups>,
  workDir: string
): Promise<HeadStart | undefined> {
  const compression = compressionOf(step)
  if (compression.compression === 'uncompressed') return undefined
  const spoolDir = join(workDir, 'head-start')
  await mkdir(spoolDir)
  return new HeadStart({
    client,
    images: plan.metadata.images,
    compression,
    lookups,
    spoolDir,
    logger: step.log
  })
}

function compressionOf(step: Step): CompressionOptions {
  return { compression: step.inputs.compression ?? 'gzip', level: step.inputs.compressionLevel }
}

/** ghcr.io/GHES: the package's visibility, and a warning when it is not linked to the source repository. */
async function checkLink(step: Step, plan: RunPlan): Promise<Pick<Outcome, 'package' | 'warnings'>> {
  if (!plan.push || (plan.kind === 'build' && plan.byDigest)) return {}
  const links = await checkPackageLinks(plan.metadata.images, {
    source: plan.metadata.labels['org.opencontainers.image.source'] ?? '',
    githubToken: step.inputs.githubToken,
    apiUrl: plan.context.apiUrl,
    serverUrl: plan.context.serverUrl,
    env: step.env
  })
  for (const line of links.unreadable) step.rt.info(`Cannot read the package of ${line}`)
  for (const warning of links.warnings) step.rt.warning(warning)
  return { package: links.package, warnings: links.warnings }
}

/** `cleanup`: what the moved tags left behind; never fails the run (the image is published). */
async function cleanUp(
  step: Step,
  plan: RunPlan,
  client: RegistryClient,
  result: PublishResult
): Promise<CleanupResult[]> {
  const mode = step.inputs.cleanup
  if (mode === 'false') return []
  return step.rt.group(mode === 'dry-run' ? 'Cleanup (dry run)' : 'Cleanup', async () => {
    const results = await runCleanup({
      mode,
      client,
      result,
      githubToken: step.inputs.githubToken,
      apiUrl: plan.context.apiUrl,
      serverUrl: plan.context.serverUrl,
      env: step.env,
      logger: step.log
    }).catch((error: unknown) => [failedCleanup(error)])
    for (const line of cleanupLines(results)) step.rt.info(line)
    for (const warning of cleanupWarnings(results)) step.rt.warning(warning)
    return results
  })
}

function failedCleanup(error: unknown): CleanupResult {
  const failure = errorMessage(error)
  return { image: '(every image)', dryRun: false, deleted: [], skipped: [], failure }
}

async function preflight(step: Step, client: RegistryClient, images: string[]): Promise<void> {
  step.rt.info(`Checking push access to ${images.join(', ')}`)
  await checkPushAccess(client, images)
}

function knownLayerLookups(
  step: Step,
  client: RegistryClient,
  plan: BuildPlan,
  baseImages: string[]
): KnownLayerLookups {
  const { images, tagNames } = plan.metadata
  const tags = plan.byDigest ? [] : tagNames
  return lookUpKnownLayers(client, { images, tags, baseImages, platforms: plan.build.platforms }, step.log)
}

/** The build request, with a private login for the builder's own pulls of private base images. */
async function buildRequest(step: Step, plan: BuildPlan, workDir: string): Promise<BuildRequest> {
  const request: BuildRequest = {
    ...plan.build,
    workDir: join(workDir, 'build'),
    signal: step.signal,
    onTemporaryBuilder: name => step.rt.saveState(STATE_BUILDX_BUILDER, name)
  }
  await mkdir(request.workDir)
  if (plan.login) {
    request.registryAuth = await writePrivateRegistryAuth(join(workDir, 'auth'), plan.login, step.env)
  }
  return request
}

/** From now on the registry writes have `push-timeout` minutes; then they stop and the tags are put back. */
function startPushDeadline(step: Step, client: RegistryClient, what: string): void {
  const minutes = step.inputs.pushTimeoutMinutes
  client.startDeadline(minutes * 60_000, `${what} (push-timeout: ${minutes})`)
}

async function publish(
  step: Step,
  client: RegistryClient,
  plan: BuildPlan,
  layoutDir: string,
  lookups: KnownLayerLookups | undefined,
  headStart: HeadStart | undefined,
  build: BuildAttestations
) {
  const levels = plan.metadata.annotationsByLevel
  startPushDeadline(step, client, 'the push')
  return step.rt.group('Push', () =>
    publishLayout({
      client,
      layoutDir,
      images: plan.metadata.images,
      tags: plan.metadata.tagNames,
      annotations: {
        manifest: levels.manifest,
        index: levels.index,
        manifestDescriptor: levels['manifest-descriptor']
      },
      forceIndex: plan.build.platforms.length > 1,
      byDigest: plan.byDigest,
      logger: step.log,
      signal: client.signal,
      compression: compressionOf(step),
      lookups,
      headStart,
      attest: attestationsFor(step, plan, client, build)
    })
  )
}

/** What a build adds to a run's attestations: what mode=max records, the SBOMs, the base images. */
interface BuildAttestations {
  shape?: BuildShape
  sboms?: PlatformSbom[]
  baseImages?: string[]
}

/**
 * What makes this run's attestations (provenance, SBOMs) of what it pushed; undefined when none is asked
 * for. Publish and merge store them as OCI referrers after the by-digest writes, before the tags move.
 */
function attestationsFor(
  step: Step,
  plan: RunPlan,
  client: RegistryClient,
  build?: BuildAttestations
): Attest | undefined {
  if (!plan.push) return undefined
  return attestRun({
    ...(plan.provenance && { provenance: plan.provenance }),
    ...(build?.sboms && { sboms: build.sboms }),
    run: runContextFromEnv(step.env),
    ...(build?.shape && { build: build.shape }),
    baseImageNames: build?.baseImages ?? [],
    client,
    env: step.env,
    githubToken: step.inputs.githubToken,
    logger: step.log,
    setSecret: step.rt.setSecret
  })
}

/** One SBOM per platform image of the build, scanned before the push: a scan failure pushes nothing. */
async function scanSboms(
  step: Step,
  plan: BuildPlan,
  scanner: SbomScanner,
  layoutDir: string,
  workDir: string
): Promise<PlatformSbom[]> {
  return step.rt.group(`SBOM (${scanner.source})`, async () => {
    const { images } = await readBuiltImages(layoutDir)
    return generateSboms(layoutDir, images, step.log, scanner, {
      sourceName: plan.metadata.images[0],
      tempDir: workDir,
      env: step.env,
      signal: step.signal
    })
  })
}

/** syft found or installed before the build, so that a missing scanner fails before anything is built. */
async function prepareSbomScanner(step: Step, sbom: NonNullable<BuildPlan['sbom']>): Promise<SbomScanner> {
  return prepareScanner(sbom.request, step.log, { downloadUrl: sbom.downloadUrl, env: step.env })
}
