import * as core from '@actions/core'
import type { Runtime } from './types.js'

/** The GitHub Actions runner: workflow commands and GITHUB_OUTPUT/GITHUB_STATE/GITHUB_STEP_SUMMARY. */
export const actionsRuntime: Runtime = {
  info: message => core.info(message),
  warning: message => core.warning(message),
  debug: message => core.debug(message),
  group: (name, fn) => core.group(name, fn),
  setOutput: (name, value) => core.setOutput(name, value),
  setSecret: value => core.setSecret(value),
  saveState: (name, value) => core.saveState(name, value),
  writeSummary: async markdown => {
    if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write()
  }
}
