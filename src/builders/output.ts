import type { ExecResult } from '../exec.js'
import { redactSecrets } from '../secrets.js'
import type { Logger, Runner } from './types.js'
import { errorMessage } from '../errors.js'

/**
 * Turns output chunks into whole log lines with secret values redacted. Lines are buffered so a value
 * split across two chunks is still caught.
 */
export function lineLogger(log: (line: string) => void, secrets: readonly string[]) {
  let pending = ''
  return {
    write: (chunk: string): void => {
      pending += chunk
      const lines = pending.split(/\r?\n/)
      pending = lines.pop() ?? ''
      for (const line of lines) log(redactSecrets(line, secrets))
    },
    flush: (): void => {
      if (pending) log(redactSecrets(pending, secrets))
      pending = ''
    }
  }
}

/** Exec options that stream a command's output to the logger, redacted. */
export function streamTo(logger: Logger, secrets: readonly string[]) {
  const out = lineLogger(line => logger.info(line), secrets)
  const err = lineLogger(line => logger.info(line), secrets)
  return {
    options: { onStdout: out.write, onStderr: err.write, redact: [...secrets] },
    flush(): void {
      out.flush()
      err.flush()
    }
  }
}

/** Runs a build command with its output streamed to the logger, secret values redacted everywhere. */
export async function runLogged(
  run: Runner,
  logger: Logger,
  cmd: string,
  args: string[],
  options: {
    env?: Record<string, string | undefined>
    secrets?: readonly string[]
    signal?: AbortSignal
    /** Called once the command is started (the runner spawns before it returns). */
    onStarted?: () => void
    /** The command's stdout is data (a tarball) for this stream, not log lines. */
    stdoutTo?: NodeJS.WritableStream
  } = {}
): Promise<ExecResult> {
  const secrets = options.secrets ?? []
  logger.info(redactSecrets(`$ ${cmd} ${args.join(' ')}`, secrets))
  const stream = streamTo(logger, secrets)
  const { onStdout, ...logged } = stream.options
  const output = options.stdoutTo ? { ...logged, stdoutTo: options.stdoutTo } : { ...logged, onStdout }
  try {
    const running = run(cmd, args, { env: options.env, signal: options.signal, ...output })
    options.onStarted?.()
    return await running
  } finally {
    stream.flush()
  }
}

/** Runs a clean-up command; a failure is a warning, never the build's error. */
export async function runQuietly(
  run: Runner,
  logger: Logger,
  cmd: string,
  args: string[],
  env?: Record<string, string | undefined>
): Promise<ExecResult | undefined> {
  return run(cmd, args, { env }).catch((err: unknown) => {
    logger.warning(`clean-up failed: ${errorMessage(err)}`)
    return undefined
  })
}
