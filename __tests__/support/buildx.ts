/** Helpers for the buildx end-to-end tests: the test buildkitd, and what a run may never leak. */
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import type { ActionRun } from '../../scripts/run-action.mjs'
import { tarFiles, type PulledImage } from './e2e.js'
import { testEnv } from './env.js'

/** Every regular file of a pulled image's layers, by path (a later layer wins). */
export function filesOf(pulled: PulledImage): Map<string, Buffer> {
  return new Map(pulled.layers.flatMap(l => [...tarFiles(l.tar)]))
}

/** Where `value` shows up: logs, outputs, state, summary, or a pushed blob. [] when nowhere. */
export function leaksOf(run: ActionRun, pulled: PulledImage | undefined, value: string): string[] {
  const texts: Record<string, string> = {
    stdout: run.stdout,
    stderr: run.stderr,
    summary: run.summary,
    postStdout: run.post?.stdout ?? '',
    postStderr: run.post?.stderr ?? '',
    ...run.outputs,
    ...run.state
  }
  const inTexts = Object.entries(texts)
    .filter(([, text]) => text.includes(value))
    .map(([where]) => where)
  const blobs = pulled
    ? [pulled.manifest, pulled.config, ...pulled.layers.flatMap(l => [l.stored, l.tar])]
    : []
  return [...inTexts, ...blobs.filter(b => b.includes(value)).map((_, i) => `blob ${i}`)]
}

/** Empties the test buildkitd's own cache, so only an imported cache can make a step CACHED. */
export function pruneBuildkitCache(): void {
  const { goBin, buildkitSocket } = testEnv()
  execFileSync(join(goBin, 'buildctl'), ['--addr', `unix://${buildkitSocket}`, 'prune', '--all'], {
    stdio: 'ignore'
  })
}

/** The builder names `docker buildx ls` lists with this environment (DOCKER_HOST…). */
export function buildxBuilders(env: Record<string, string | undefined>): string[] {
  const out = execFileSync('docker', ['buildx', 'ls', '--format', '{{.Name}}'], {
    encoding: 'utf8',
    env: { ...process.env, ...env }
  })
  return out
    .split('\n')
    .map(l => l.trim())
    .filter(Boolean)
}

/** `crane digest` of a reference on the plain-HTTP test registry: an independent client's answer. */
export function craneDigest(ref: string): string {
  return execFileSync(join(testEnv().goBin, 'crane'), ['digest', '--insecure', ref], {
    encoding: 'utf8'
  }).trim()
}

/** A logged `buildx build` command: `$ docker buildx build …`, or the plugin run itself (`$ /…/docker-buildx build …`). */
export const BUILDX_BUILD_LINE = /^\$ (?:docker buildx|\S*\/docker-buildx) build /

/** The first logged `buildx build` command line of a run's output ('' when there is none). */
export function buildxBuildLine(stdout: string): string {
  return stdout.split('\n').find(l => BUILDX_BUILD_LINE.test(l)) ?? ''
}
