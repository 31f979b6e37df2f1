import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CommandError, type ExecOptions, type ExecResult } from '../../../src/exec.js'
import type { Logger, BuildRequest, Runner } from '../../../src/builders/index.js'

export function request(overrides: Partial<BuildRequest> = {}): BuildRequest {
  return {
    context: '/ctx',
    file: '/ctx/Dockerfile',
    buildArgs: [],
    target: '',
    labels: {},
    platforms: [],
    noCache: false,
    pull: false,
    secrets: [],
    cacheFrom: [],
    cacheTo: [],
    workDir: '/work',
    ...overrides
  }
}

export interface Call {
  cmd: string
  args: string[]
  options: ExecOptions
}

/** A fake exec seam: `answer` returns stdout, or throws to make the command fail. */
export function fakeRunner(answer: (cmd: string, args: string[]) => string): { run: Runner; calls: Call[] } {
  const calls: Call[] = []
  const run: Runner = async (cmd, args, options = {}): Promise<ExecResult> => {
    calls.push({ cmd, args: [...args], options })
    try {
      return { stdout: answer(cmd, [...args]), stderr: '' }
    } catch (err) {
      throw new CommandError([cmd, ...args].join(' '), 1, err instanceof Error ? err.message : String(err))
    }
  }
  return { run, calls }
}

export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: m => lines.push(`info: ${m}`),
    warning: m => lines.push(`warn: ${m}`),
    debug: m => lines.push(`debug: ${m}`)
  }
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'build-unit-'))
  try {
    return await fn(dir)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
