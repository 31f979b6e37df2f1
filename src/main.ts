import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ensurePlatformsRunnable,
  selectBuilder,
  validateBuildRequest,
  type Builder,
  type BuildRequest
} from './builders/index.js'
import { readDockerfileBaseImages } from './builders/options/base-images.js'
import { writePrivateRegistryAuth } from './builders/registry-auth.js'
import { loginSecrets } from './inputs/login.js'
import type { Inputs } from './inputs/types.js'
import { planRun, type BuildPlan, type MergePlan } from './plan.js'
import { mergeDigests } from './publish/merge.js'
import { publishLayout } from './publish/publish.js'
import { createRegistryClient } from './publish/registry-client.js'
import type { RegistryClient } from './registry/index.js'
import { planText, writeReport, type Outcome } from './report/write.js'
import type { Runtime } from './runtime/types.js'
import { STATE_WORK_DIR } from './state.js'

/** What every stage of one run shares. */
interface Step {
  inputs: Inputs
  env: NodeJS.ProcessEnv
  rt: Runtime
  log: { info(m: string): void; warn(m: string): void; debug(m: string): void }
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
  const step: Step = { inputs, env, rt, log: { info: rt.info, warn: rt.warning, debug: rt.debug }, signal }
  for (const secret of [inputs.password, inputs.githubToken]) if (secret) rt.setSecret(secret)
  const plan = await planRun(inputs, env, step.log)
  for (const secret of loginSecrets(plan.login)) rt.setSecret(secret)
  for (const warning of plan.metadata.warnings) rt.warning(warning)
  switch (plan.kind) {
    case 'merge':
      return merge(step, plan)
    case 'build':
      return build(step, plan)
  }
}

async function build(step: Step, plan: BuildPlan): Promise<void> {
  const { builder, reason } = await selectBuilder(plan.builder, step.log, step.env)
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
    await rm(workDir, { recursive: true, force: true })
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
  const result = await step.rt.group('Merge', () =>
    mergeDigests({
      client,
      images: plan.metadata.images,
      tags: plan.metadata.tagNames,
      digests: plan.digests,
      annotations: { index: levels.index, manifestDescriptor: levels['manifest-descriptor'] },
      logger: step.log,
      signal: step.signal
    })
  )
  await writeReport(step.rt, plan, { builder: 'none', result }, step.inputs.summary)
}

/** Validates, checks push access, builds, pushes. Nothing is pushed when anything before fails. */
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
  if (client) await preflight(step, client, plan.metadata.images)
  await ensurePlatformsRunnable(request.platforms, step.log)
  const built = await step.rt.group(`Build (${builder.name})`, () => builder.build(request, step.log))
  try {
    if (!client) return { builder: builder.name }
    return { builder: builder.name, result: await publish(step, client, plan, built.layoutDir) }
  } finally {
    await built.cleanup
  }
}

async function preflight(step: Step, client: RegistryClient, images: string[]): Promise<void> {
  step.rt.info(`Checking push access to ${images.join(', ')}`)
  for (const image of images) await client.repository(image).checkPushAccess()
}

/** The build request, with a private login for the builder's own pulls of private base images. */
async function buildRequest(step: Step, plan: BuildPlan, workDir: string): Promise<BuildRequest> {
  const request: BuildRequest = { ...plan.build, workDir: join(workDir, 'build'), signal: step.signal }
  await mkdir(request.workDir)
  if (plan.login) {
    request.registryAuth = await writePrivateRegistryAuth(join(workDir, 'auth'), plan.login, step.env)
  }
  return request
}

async function publish(step: Step, client: RegistryClient, plan: BuildPlan, layoutDir: string) {
  const levels = plan.metadata.annotationsByLevel
  const baseImages = await readDockerfileBaseImages(plan.build.file, plan.build.buildArgs, step.env)
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
      signal: step.signal,
      compression: { compression: step.inputs.compression ?? 'gzip', level: step.inputs.compressionLevel },
      baseImages
    })
  )
}
