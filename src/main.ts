import * as core from '@actions/core'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ensurePlatformsRunnable,
  selectBuilder,
  validateBuildRequest,
  type Builder,
  type BuildRequest
} from './build/index.js'
import { writePrivateRegistryAuth } from './build/registry-auth.js'
import type { Inputs } from './inputs/types.js'
import { planRun, type RunPlan } from './plan.js'
import { publishLayout, type PublishResult } from './publish/publish.js'
import { createRegistryClient } from './publish/registry-client.js'
import { writeReport, planText } from './report/write.js'
import type { RegistryClient } from './registry/index.js'
import { STATE_WORK_DIR } from './state.js'

const logger = {
  info: (m: string) => core.info(m),
  warn: (m: string) => core.warning(m),
  debug: (m: string) => core.debug(m)
}

/** The whole step: inputs → metadata → build → publish → report. */
export async function run(inputs: Inputs, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const plan = await planRun(inputs, env, logger)
  for (const warning of plan.metadata.warnings) core.warning(warning)
  const { builder, reason } = await selectBuilder(inputs.builder, logger, env)
  plan.builderName = builder.name
  core.debug(`builder ${builder.name}: ${reason}`)
  if (inputs.dryRun) {
    core.info(planText(plan))
    await writeReport(plan, undefined, inputs.summary)
    return
  }
  core.info(plan.push ? `Pushing (${plan.pushReason})` : `Building only (${plan.pushReason})`)
  const workDir = await mkdtemp(join(env.RUNNER_TEMP || tmpdir(), 'publish-image-'))
  core.saveState(STATE_WORK_DIR, workDir)
  try {
    const result = await buildAndPublish(builder, inputs, plan, workDir, env)
    await writeReport(plan, result, inputs.summary)
  } finally {
    await rm(workDir, { recursive: true, force: true })
  }
}

/** Validates, checks push access, builds, pushes. Nothing is pushed when anything before fails. */
async function buildAndPublish(
  builder: Builder,
  inputs: Inputs,
  plan: RunPlan,
  workDir: string,
  env: NodeJS.ProcessEnv
): Promise<PublishResult | undefined> {
  const request = await buildRequest(inputs, plan, workDir, env)
  await validateBuildRequest(request, builder.name)
  const client = plan.push ? createRegistryClient(inputs, logger, core.setSecret, env) : undefined
  if (client) await preflight(client, plan)
  await ensurePlatformsRunnable(request.platforms, logger)
  const built = await core.group(`Build (${builder.name})`, () => builder.build(request, logger))
  return client ? publish(client, plan, built.layoutDir) : undefined
}

async function preflight(client: RegistryClient, plan: RunPlan): Promise<void> {
  core.info(`Checking push access to ${plan.metadata.images.join(', ')}`)
  for (const image of plan.metadata.images) await client.repository(image).checkPushAccess()
}

/** The build request, with a private login for the builder's own pulls of private base images. */
async function buildRequest(
  inputs: Inputs,
  plan: RunPlan,
  workDir: string,
  env: NodeJS.ProcessEnv
): Promise<BuildRequest> {
  const request: BuildRequest = { ...plan.build, workDir: join(workDir, 'build') }
  await mkdir(request.workDir)
  if (inputs.password) {
    const login = { registry: inputs.registry, username: inputs.username, password: inputs.password }
    request.registryAuth = await writePrivateRegistryAuth(join(workDir, 'auth'), login, env)
  }
  return request
}

async function publish(client: RegistryClient, plan: RunPlan, layoutDir: string): Promise<PublishResult> {
  const levels = plan.metadata.annotationsByLevel
  return core.group('Push', () =>
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
      logger
    })
  )
}
