import { spawn } from 'node:child_process'
import { redactSecrets } from './secrets.js'

/** The one seam through which the action runs external commands. */
export interface ExecOptions {
  cwd?: string
  /** Extra environment variables, merged over process.env. */
  env?: Record<string, string | undefined>
  /** Written to the command's stdin, then closed. Use it for secrets: never put them on argv. */
  input?: string | Buffer
  /**
   * Called with each chunk of output as it arrives (progress). A stream given a callback is delivered
   * there in full; the result then keeps only its last OUTPUT_TAIL_CHARS characters.
   */
  onStdout?: (chunk: string) => void
  onStderr?: (chunk: string) => void
  /** Values to replace with *** in the error message (secrets that could be echoed). */
  redact?: string[]
  /** Ends the command (SIGTERM) when the run is cancelled; the promise rejects. */
  signal?: AbortSignal
  /** Binary stdout goes there (ended with it) instead of into the result and onStdout. */
  stdoutTo?: NodeJS.WritableStream
  /** Piped into stdin, instead of `input`. */
  stdinFrom?: NodeJS.ReadableStream
}

export interface ExecResult {
  /** All of stdout, or its last OUTPUT_TAIL_CHARS characters when it was streamed to onStdout. */
  stdout: string
  /** The last OUTPUT_TAIL_CHARS characters of stderr. */
  stderr: string
}

/**
 * How much of a streamed output (and of stderr) a result and an error keep: a builder can print
 * gigabytes over a long build, and only the end says why it failed.
 */
export const OUTPUT_TAIL_CHARS = 64 * 1024

/** A command that could not start or exited non-zero. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    options?: { cause?: unknown }
  ) {
    const tail = lastLines(stderr, 15)
    const how = exitCode === null ? 'could not run' : `exited with code ${exitCode}`
    super(`${command} ${how}${tail ? `:\n${tail}` : ''}`, options)
    this.name = 'CommandError'
  }
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n')
}

/** Collects a stream's output: all of it, or (bounded) only its last `limit` characters. */
function outputCollector(limit: number | undefined) {
  let kept = ''
  return {
    add(chunk: string): void {
      kept += chunk
      // Trim only once the text is twice the limit, so each chunk costs amortised O(chunk).
      if (limit !== undefined && kept.length > 2 * limit) kept = kept.slice(-limit)
    },
    text(): string {
      return limit !== undefined && kept.length > limit ? kept.slice(-limit) : kept
    }
  }
}

/** How long a stopped command has between SIGTERM and SIGKILL. */
const KILL_AFTER_MS = 3000

/** Runs `cmd args` without a shell and resolves with its output; rejects on a non-zero exit code. */
export function execCommand(
  cmd: string,
  args: readonly string[],
  options: ExecOptions = {}
): Promise<ExecResult> {
  const shown = [cmd, ...args].map(a => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: options.signal,
      killSignal: 'SIGTERM'
    })
    // Unstreamed stdout is the answer the caller parses (versions, JSON, image lists): kept whole.
    const stdout = outputCollector(options.onStdout ? OUTPUT_TAIL_CHARS : undefined)
    const stderr = outputCollector(OUTPUT_TAIL_CHARS)
    if (options.stdoutTo) child.stdout.pipe(options.stdoutTo)
    else
      child.stdout.setEncoding('utf8').on('data', (c: string) => {
        stdout.add(c)
        options.onStdout?.(c)
      })
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr.add(c)
      options.onStderr?.(c)
    })
    const command = redactSecrets(shown, options.redact)
    // A stopped command settles when it has exited, not when it was told to: the caller cleans up next
    // (removes dirs and stores it writes to), and must not race a process that is still dying. On its
    // exit, not on 'close': a grandchild it left (rootless buildah's re-exec) may hold the pipes for long.
    let stopped: { err: Error; kill: NodeJS.Timeout } | undefined
    const settleStopped = (): void => {
      if (!stopped) return
      clearTimeout(stopped.kill)
      child.stdout.destroy()
      child.stderr.destroy()
      reject(new CommandError(command, null, String(stopped.err.message), { cause: stopped.err }))
    }
    child.on('error', err => {
      if (err.name !== 'AbortError' || child.pid === undefined)
        return reject(new CommandError(command, null, String(err.message), { cause: err }))
      stopped ??= { err, kill: setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS) }
      if (child.exitCode !== null || child.signalCode !== null) settleStopped()
    })
    child.on('exit', settleStopped)
    child.on('close', code => {
      if (stopped) return settleStopped()
      if (code === 0) resolve({ stdout: stdout.text(), stderr: stderr.text() })
      else reject(new CommandError(command, code, redactSecrets(stderr.text(), options.redact)))
    })
    child.stdin.on('error', () => undefined)
    if (options.stdinFrom) options.stdinFrom.pipe(child.stdin)
    else child.stdin.end(options.input ?? '')
  })
}
