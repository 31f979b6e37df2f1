// Runs the bundled action the way the GitHub runner does: INPUT_* from action.yml defaults plus
// overrides, GITHUB_OUTPUT/GITHUB_STATE/GITHUB_STEP_SUMMARY files, then the post step with STATE_*.
// Used by the end-to-end tests and by `npm run demo`.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

export async function loadActionYml() {
  return parse(await readFile(join(ROOT, 'action.yml'), 'utf8'))
}

/** Expands the `${{ github.* }}` expressions that action.yml defaults use. */
function expandDefault(value, env, token) {
  return value.replace(/\$\{\{\s*github\.(\w+)\s*\}\}/g, (_, key) => {
    if (key === 'actor') return env.GITHUB_ACTOR ?? ''
    if (key === 'token') return token ?? ''
    throw new Error(`action.yml default uses github.${key}, which this runner does not provide`)
  })
}

/** Parses a GITHUB_OUTPUT / GITHUB_STATE file (`name<<delimiter` blocks or `name=value` lines). */
export function parseCommandFile(text) {
  const out = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
      out[name] = value.join('\n')
    } else if (line.includes('=')) {
      const at = line.indexOf('=')
      out[line.slice(0, at)] = line.slice(at + 1)
    }
  }
  return out
}

/** The runner hides `::debug::` lines unless step debugging is on; so does the echo. */
function withoutDebug(text) {
  if (process.env.RUNNER_DEBUG === '1') return text
  return text
    .split('\n')
    .filter(line => !line.startsWith('::debug::'))
    .join('\n')
}

/** interrupt: { when(stdout) → boolean, signal = 'SIGINT' } sends the signal once `when` holds (a cancelled job). */
function runNode(script, env, cwd, echo, interrupt) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [script], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let interruptedAt
    child.stdout.on('data', c => {
      stdout += c
      if (echo) process.stderr.write(withoutDebug(String(c)))
      if (interrupt && interruptedAt === undefined && interrupt.when(stdout)) {
        interruptedAt = Date.now()
        child.kill(interrupt.signal ?? 'SIGINT')
      }
    })
    child.stderr.on('data', c => {
      stderr += c
      if (echo) process.stderr.write(c)
    })
    child.on('error', reject)
    child.on('close', code =>
      resolvePromise({
        exitCode: code ?? -1,
        stdout,
        stderr,
        // How long the process took to exit after the interrupt, in ms.
        stoppedAfterMs: interruptedAt === undefined ? undefined : Date.now() - interruptedAt
      })
    )
  })
}

function defaultEnv(workspace) {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_ACTOR: 'octocat',
    GITHUB_REPOSITORY: 'octo-org/hello-world',
    GITHUB_REPOSITORY_OWNER: 'octo-org',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_SERVER_URL: 'https://github.com',
    // Nothing listens there: the action must warn and go on without the REST API.
    GITHUB_API_URL: 'http://127.0.0.1:9',
    GITHUB_WORKSPACE: workspace
  }
}

/**
 * options: { inputs, env, event, token, post (default true), cwd, echo, interrupt }
 * returns: { exitCode, stdout, stderr, outputs, state, summary, leftovers, post }
 */
export async function runAction(options = {}) {
  const action = await loadActionYml()
  for (const name of Object.keys(options.inputs ?? {})) {
    if (!(name in action.inputs)) throw new Error(`input '${name}' is not declared in action.yml`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'publish-image-run-'))
  try {
    const files = {
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STATE: join(dir, 'state'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      GITHUB_ENV: join(dir, 'env'),
      GITHUB_PATH: join(dir, 'path'),
      GITHUB_EVENT_PATH: join(dir, 'event.json')
    }
    for (const f of Object.values(files)) await writeFile(f, '')
    await writeFile(files.GITHUB_EVENT_PATH, JSON.stringify(options.event ?? {}))
    const runnerTemp = join(dir, 'runner-temp')
    await mkdir(runnerTemp)
    const cwd = options.cwd ?? ROOT
    const baseEnv = { ...defaultEnv(cwd), RUNNER_TEMP: runnerTemp, ...files, ...options.env }
    const inputEnv = {}
    for (const [name, spec] of Object.entries(action.inputs)) {
      const value = options.inputs?.[name] ?? expandDefault(spec.default ?? '', baseEnv, options.token)
      inputEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
    }
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, ...baseEnv, ...inputEnv }
    const main = await runNode(join(ROOT, action.runs.main), env, cwd, options.echo, options.interrupt)
    const state = parseCommandFile(await readFile(files.GITHUB_STATE, 'utf8'))
    const result = {
      ...main,
      outputs: parseCommandFile(await readFile(files.GITHUB_OUTPUT, 'utf8')),
      state,
      summary: await readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
      leftovers: [],
      post: undefined
    }
    if (options.post !== false) {
      const stateEnv = Object.fromEntries(Object.entries(state).map(([k, v]) => [`STATE_${k}`, v]))
      result.post = await runNode(join(ROOT, action.runs.post), { ...env, ...stateEnv }, cwd, options.echo)
    }
    result.leftovers = await readdir(runnerTemp)
    return result
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
