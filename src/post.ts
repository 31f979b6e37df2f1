import * as core from '@actions/core'
import { rm } from 'node:fs/promises'
import { STATE_WORK_DIR } from './state.js'
import { errorMessage } from './errors.js'

/** Removes what the main step left on the runner: temporary layouts and the private registry auth. */
try {
  const workDir = core.getState(STATE_WORK_DIR)
  if (workDir) {
    await rm(workDir, { recursive: true, force: true })
    core.info(`Removed ${workDir}`)
  }
} catch (error) {
  core.warning(`cleanup failed: ${errorMessage(error)}`)
}
