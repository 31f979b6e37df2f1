import { rm } from 'node:fs/promises'
import type { Inputs } from '../inputs/types.js'
import { run } from '../main.js'
import { describeError } from '../report/errors.js'
import { terminalRuntime, type TerminalRuntime } from '../runtime/terminal.js'
import { STATE_WORK_DIR } from '../state.js'
import { parseCli, type CliOptions } from './args.js'
import { asUsageError, EXIT_FAILED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError } from './errors.js'
import { gitContextEnv, readLocalGit, type Exec } from './git.js'
import { helpText } from './help.js'
import { resultText } from './result.js'
import { errorMessage } from '../errors.js'

const NO_REPOSITORY =
  'no GitHub repository (no GitHub origin remote): the source labels stay empty; pass --repository OWNER/NAME'

/** The process around the CLI: its environment and streams, replaceable in tests. */
export interface CliIO {
  env: NodeJS.ProcessEnv
  cwd: string
  stdout: (text: string) => void
  stderr: (text: string) => void
  readStdin: () => Promise<string>
  exec?: Exec
  /** Fires when the user interrupts the run (Ctrl-C): the run stops, puts back moved tags, cleans up. */
  signal?: AbortSignal
}

/** `publish-image [flags]`: the action's pipeline in a terminal. Resolves with the exit code. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let request
  try {
    request = parseCli(argv, io.env)
  } catch (err) {
    return usageFailure(err, io.stderr)
  }
  if (request.help) {
    io.stdout(helpText())
    return EXIT_OK
  }
  const { inputs, options } = request
  const rt = terminalRuntime({
    progress: io.stderr,
    result: io.stdout,
    verbose: options.verbose,
    summaryFile: options.summaryFile
  })
  try {
    if (options.passwordStdin) inputs.password = await passwordFromStdin(io)
    rt.setSecret(inputs.password)
    rt.setSecret(inputs.githubToken)
    const env = await localEnv(inputs, options, io)
    if (!env.GITHUB_REPOSITORY) rt.warning(NO_REPOSITORY)
    await run(inputs, rt, env, io.signal)
  } catch (err) {
    if (io.signal?.aborted) return interrupted(err, rt)
    return failure(err, rt)
  } finally {
    await cleanUp(rt)
  }
  rt.print(resultText(rt.outputs, { json: options.json, dryRun: inputs.dryRun }))
  return EXIT_OK
}

async function passwordFromStdin(io: CliIO): Promise<string> {
  const password = (await io.readStdin()).replace(/\r?\n$/, '')
  if (!password) throw new UsageError('--password-stdin', 'stdin is empty; pipe the password or token in')
  return password
}

/** The git context of the working directory, as the GITHUB_* variables the metadata stage reads. */
async function localEnv(inputs: Inputs, options: CliOptions, io: CliIO): Promise<NodeJS.ProcessEnv> {
  const local = await readLocalGit(io.cwd, io.exec)
  return gitContextEnv(io.env, local, {
    repository: options.repository,
    imagesGiven: inputs.images.length > 0
  })
}

/** What the action's post step does on GitHub: remove the work directory the run left. */
async function cleanUp(rt: TerminalRuntime): Promise<void> {
  const workDir = rt.state[STATE_WORK_DIR]
  if (!workDir) return
  try {
    await rm(workDir, { recursive: true, force: true })
    rt.debug(`Removed ${workDir}`)
  } catch (err) {
    rt.warning(`cleanup failed: ${errorMessage(err)}`)
  }
}

/** Exit code 130, as a shell reports a command stopped by Ctrl-C. */
function interrupted(err: unknown, rt: TerminalRuntime): number {
  rt.info(`interrupted: ${describeError(err)}`)
  return EXIT_INTERRUPTED
}

function usageFailure(err: unknown, stderr: (text: string) => void): number {
  if (!(err instanceof UsageError)) throw err
  stderr(`publish-image: ${err.message}\nRun publish-image --help for every flag.\n`)
  return EXIT_USAGE
}

/** Bad values the pipeline finds name the flag (exit 2); anything else is a failed run (exit 1). */
function failure(err: unknown, rt: TerminalRuntime): number {
  const usage = asUsageError(err)
  if (usage) {
    rt.info(`publish-image: ${usage.message}`)
    return EXIT_USAGE
  }
  rt.info(`error: ${describeError(err)}`)
  return EXIT_FAILED
}
