import * as core from '@actions/core'
import { readInputs } from './inputs/read.js'
import { run } from './main.js'
import { actionsRuntime } from './runtime/actions.js'
import { cancelOnSignals, exitAfterRun } from './runtime/cancel.js'
import { describeError } from './report/errors.js'

const signal = cancelOnSignals(name =>
  core.warning(`${name}: the job is being cancelled; stopping, putting back moved tags, cleaning up`)
)
try {
  await run(readInputs(), actionsRuntime, process.env, signal)
} catch (error) {
  core.setFailed(describeError(error))
} finally {
  exitAfterRun()
}
