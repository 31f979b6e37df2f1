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
import { writePrivateRegistryAuth } from './builders/registry-auth.js'
import type { Inputs } from './inputs/types.js'
import { planRun, type RunPlan } from './plan.js'
import { mergeDigests } from './publish/merge.js'
import { publishLayout, type PublishResult } from './publish/publish.js'
import { createRegistryClient } from './publish/registry-client.js'
import type { RegistryClient } from './registry/index.js'
import { planText, writeReport } from './report/write.js'
import type { Runtime } from './runtime/types.js'
import { STATE_WORK_DIR } from './state.js'

/** What every stage of one run shares. */
interface Step {
  inputs: Inputs
  env: NodeJS.ProcessEnv
  rt: Runtime
  log: { info(m: string): void; warn(m: string): void; debug(m: string): void }
}

/** The whole step: inputs → metadata → build → publish → report. */
export async function run(inputs: Inputs, rt: Runtime, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const step: Step = { inputs, env, rt, log: { info: rt.info, warn: rt.warning, debug: rt.debug } }
  const plan = await planRun(inputs, env, step.log)
  for (const warning of plan.metadata.warnings) rt.warning(warning)
  if (plan.mode === 'merge') return merge(step, plan)
  const { builder, reason } = await selectBuilder(inputs.builder, step.log, env)
  plan.builderName = builder.name
  rt.debug(`builder ${builder.name}: ${reason}`)
  if (inputs.dryRun) {
    rt.info(planText(plan))
    await writeReport(rt, plan, undefined, inputs.summary)
    return
  }
  rt.info(pushText(plan))
  const workDir = await mkdtemp(join(env.RUNNER_TEMP || tmpdir(), 'publish-image-'))
  rt.saveState(STATE_WORK_DIR, workDir)
  try {
    const result = await buildAndPublish(step, builder, plan, workDir)
    await writeReport(rt, plan, result, inputs.summary)
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

function pushText(plan: RunPlan): string {
  if (!plan.push) return `Building only (${plan.pushReason})`
  if (plan.mode === 'push-by-digest') return `Pushing by digest only: no tags, no index (${plan.pushReason})`
  return `Pushing (${plan.pushReason})`
}

/** A merge job: builds nothing, puts the legs' digests in one index and tags it. */
async function merge(step: Step, plan: RunPlan): Promise<void> {
  plan.builderName = 'none'
  if (step.inputs.dryRun || !plan.push) {
    step.rt.info(step.inputs.dryRun ? planText(plan) : `Merging nothing (${plan.pushReason})`)
    await writeReport(step.rt, plan, undefined, step.inputs.summary)
    return
  }
  const client = createRegistryClient(step.inputs, step.log, step.rt.setSecret, step.env)
  await preflight(step, client, plan)
  const levels = plan.metadata.annotationsByLevel
  const result = await step.rt.group('Merge', () =>
    mergeDigests({
      client,
      images: plan.metadata.images,
      tags: plan.metadata.tagNames,
      digests: plan.digests,
      annotations: { index: levels.index, manifestDescriptor: levels['manifest-descriptor'] },
      logger: step.log
    })
  )
  await writeReport(step.rt, plan, result, step.inputs.summary)
}

/** Validates, checks push access, builds, pushes. Nothing is pushed when anything before fails. */
async function buildAndPublish(
  step: Step,
  builder: Builder,
  plan: RunPlan,
  workDir: string
): Promise<PublishResult | undefined> {
  const request = await buildRequest(step, plan, workDir)
  await validateBuildRequest(request, builder.name)
  const client = plan.push
    ? createRegistryClient(step.inputs, step.log, step.rt.setSecret, step.env)
    : undefined
  if (client) await preflight(step, client, plan)
  await ensurePlatformsRunnable(request.platforms, step.log)
  const built = await step.rt.group(`Build (${builder.name})`, () => builder.build(request, step.log))
  return client ? publish(step, client, plan, built.layoutDir) : undefined
}

async function preflight(step: Step, client: RegistryClient, plan: RunPlan): Promise<void> {
  step.rt.info(`Checking push access to ${plan.metadata.images.join(', ')}`)
  for (const image of plan.metadata.images) await client.repository(image).checkPushAccess()
}

/** The build request, with a private login for the builder's own pulls of private base images. */
async function buildRequest(step: Step, plan: RunPlan, workDir: string): Promise<BuildRequest> {
  const request: BuildRequest = { ...plan.build, workDir: join(workDir, 'build') }
  await mkdir(request.workDir)
  const { registry, username, password } = step.inputs
  if (password) {
    request.registryAuth = await writePrivateRegistryAuth(
      join(workDir, 'auth'),
      { registry, username, password },
      step.env
    )
  }
  return request
}

async function publish(
  step: Step,
  client: RegistryClient,
  plan: RunPlan,
  layoutDir: string
): Promise<PublishResult> {
  const levels = plan.metadata.annotationsByLevel
  return step.rt.group('Push', () =>
    publishLayout({
      client,
      layoutDir,
      images: plan.metadata.images,
      tags: plan.mode === 'push-by-digest' ? [] : plan.metadata.tagNames,
      annotations: {
        manifest: levels.manifest,
        index: levels.index,
        manifestDescriptor: levels['manifest-descriptor']
      },
      forceIndex: plan.build.platforms.length > 1,
      byDigest: plan.mode === 'push-by-digest',
      logger: step.log
    })
  )
}
