import { afterAll, beforeAll } from '@jest/globals'
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

/** Selection options under which no docker plugin of the host's system dirs is looked at. */
export const HERMETIC = { pluginDirs: [] as string[] }

/**
 * For the duration of a test file, DOCKER_CONFIG points nowhere: the host's ~/.docker (its plugins,
 * its config) is not looked at by code that merges process.env. Call at the top of the file.
 */
export function withoutHostDockerConfig(): void {
  const host = process.env.DOCKER_CONFIG
  beforeAll(() => {
    process.env.DOCKER_CONFIG = join(tmpdir(), 'publish-image-no-docker-config')
  })
  afterAll(() => {
    if (host === undefined) delete process.env.DOCKER_CONFIG
    else process.env.DOCKER_CONFIG = host
  })
}

/**
 * For the duration of a test file, the umask is 022 (a common default), so that a file or directory
 * created without its own mode comes out 0644/0755: tests of private modes then fail without them.
 */
export function withUmask022(): void {
  let before: number | undefined
  beforeAll(() => {
    before = process.umask(0o022)
  })
  afterAll(() => {
    if (before !== undefined) process.umask(before)
  })
}
