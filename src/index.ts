import * as core from '@actions/core'
import { readInputs } from './inputs/read.js'
import { run } from './main.js'
import { actionsRuntime } from './runtime/actions.js'
import { describeError } from './report/errors.js'

try {
  await run(readInputs(), actionsRuntime)
} catch (error) {
  core.setFailed(describeError(error))
}
