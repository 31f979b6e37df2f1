/** docker-credential-<name> get: the server URL on stdin, `{"Username","Secret"}` on stdout. */
import { spawn } from 'node:child_process'
import { JsonValue } from '../json.js'
import type { Credentials, Logger } from '../types.js'

const TIMEOUT_MS = 30_000

export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
  logger?: Logger
): Promise<Credentials | undefined> {
  const program = `docker-credential-${name}`
  const result = await run(program, serverUrl, env)
  if (result.spawnError) {
    logger?.warning(`${program} could not run (${result.spawnError.message}); ignoring that credential store`)
    return undefined
  }
  if (result.code !== 0) {
    if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined
    throw new Error(
      `${program} get failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`
    )
  }
  const printed = JsonValue.parse(result.stdout, `the output of ${program} get`)
  const username = printed.field('Username').optional(v => v.string()) ?? ''
  const secret = printed.field('Secret').optional(v => v.string()) ?? ''
  if (!secret) return undefined
  return username === '<token>' ? { identityToken: secret } : { username, password: secret }
}

interface RunResult {
  code: number | null
  stdout: string
  stderr: string
  spawnError?: Error
}

function run(program: string, input: string, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise(resolve => {
    const child = spawn(program, ['get'], { env, stdio: ['pipe', 'pipe', 'pipe'] })
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', err => {
      clearTimeout(timer)
      resolve({ code: null, stdout, stderr, spawnError: err })
    })
    child.on('close', code => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
    child.stdin.on('error', () => {}) // the helper may exit without reading
    child.stdin.end(input)
  })
}
