import * as core from '@actions/core'
import { rm } from 'node:fs/promises'
import { buildxRmArgs } from './builders/buildx/args.js'
import { errorMessage } from './errors.js'
import { execCommand } from './exec.js'
import { exists } from './files.js'
import { STATE_BUILDX_BUILDER, STATE_BUILDX_DOCKER_CONFIG, STATE_WORK_DIR } from './state.js'

/**
 * Removes what the main step left on the runner: a temporary buildx builder (when the main step was
 * killed before removing it), temporary layouts and the private registry auth.
 */
async function removeTemporaryBuilder(): Promise<void> {
  const name = core.getState(STATE_BUILDX_BUILDER)
  if (!name) return
  // With a buildx installed for this run, only its private DOCKER_CONFIG has the plugin.
  const dockerConfig = core.getState(STATE_BUILDX_DOCKER_CONFIG)
  const env = dockerConfig && (await exists(dockerConfig)) ? { DOCKER_CONFIG: dockerConfig } : {}
  await execCommand('docker', buildxRmArgs(name), { env })
  core.info(`Removed the temporary buildx builder ${name}`)
}

async function removeBuildxDockerConfig(): Promise<void> {
  const dir = core.getState(STATE_BUILDX_DOCKER_CONFIG)
  if (!dir || !(await exists(dir))) return
  await rm(dir, { recursive: true, force: true })
  core.info(`Removed ${dir}`)
}

async function removeWorkDir(): Promise<void> {
  const workDir = core.getState(STATE_WORK_DIR)
  if (!workDir) return
  await rm(workDir, { recursive: true, force: true })
  core.info(`Removed ${workDir}`)
}

for (const step of [removeTemporaryBuilder, removeBuildxDockerConfig, removeWorkDir]) {
  try {
    await step()
  } catch (error) {
    core.warning(`cleanup failed: ${errorMessage(error)}`)
  }
}
