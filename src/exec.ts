import { spawn } from 'node:child_process'

/** The one seam through which the action runs external commands. */
export interface ExecOptions {
  cwd?: string
  /** Extra environment variables, merged over process.env. */
  env?: Record<string, string | undefined>
  /** Written to the command's stdin, then closed. Use it for secrets: never put them on argv. */
  input?: string | Buffer
  /** Called with each chunk of output as it arrives (progress). */
  onStdout?: (chunk: string) => void
  onStderr?: (chunk: string) => void
  /** Values to replace with *** in the error message (secrets that could be echoed). */
  redact?: string[]
  /** Ends the command (SIGTERM) when the run is cancelled; the promise rejects. */
  signal?: AbortSignal
}

export interface ExecResult {
  stdout: string
  stderr: string
}

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

function redactAll(text: string, secrets: string[] = []): string {
  return secrets.filter(s => s.length > 0).reduce((acc, s) => acc.split(s).join('***'), text)
}

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
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c
      options.onStdout?.(c)
    })
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c
      options.onStderr?.(c)
    })
    child.on('error', err =>
      reject(new CommandError(redactAll(shown, options.redact), null, String(err.message), { cause: err }))
    )
    child.on('close', code => {
      if (code === 0) resolve({ stdout, stderr })
      else reject(new CommandError(redactAll(shown, options.redact), code, redactAll(stderr, options.redact)))
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.input ?? '')
  })
}
