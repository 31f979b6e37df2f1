import { describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Exec } from '../../../src/cli/git.js'
import { runCli } from '../../../src/cli/main.js'
import { resultText } from '../../../src/cli/result.js'

/** No git repository: every git command fails. Nothing here reaches a builder or a registry. */
const noGit: Exec = async () => {
  throw new Error('not a git repository')
}

async function cli(argv: string[], stdin = '', env: NodeJS.ProcessEnv = {}) {
  const streams = { out: '', err: '' }
  const code = await runCli(argv, {
    env: { GITHUB_API_URL: 'http://127.0.0.1:9', ...env },
    cwd: await mkdtemp(join(tmpdir(), 'cli-unit-')),
    stdout: t => (streams.out += t),
    stderr: t => (streams.err += t),
    readStdin: async () => stdin,
    exec: noGit
  })
  return { code, ...streams }
}

describe('runCli', () => {
  it('prints the help on stdout and exits 0', async () => {
    const run = await cli(['--help'])
    expect([run.code, run.err]).toEqual([0, ''])
    expect(run.out).toContain('--password-stdin')
  })

  it('exits 2 naming an unknown flag, on stderr only', async () => {
    const run = await cli(['--tags', 'x'])
    expect([run.code, run.out]).toEqual([2, ''])
    expect(run.err).toContain('publish-image: --tags: unknown flag; did you mean --tag?')
  })

  it('exits 2 when --password-stdin gets nothing', async () => {
    const run = await cli(['--password-stdin', '--image', 'r/x'])
    expect(run.code).toBe(2)
    expect(run.err).toContain('--password-stdin: stdin is empty')
  })

  it('exits 2 asking for --repository outside a git repository without --image', async () => {
    const run = await cli(['--dry-run'])
    expect(run.code).toBe(2)
    expect(run.err).toContain(
      '--repository: cannot tell the GitHub repository (this is not a git repository)'
    )
  })

  it('names the flag, not the action input, when the pipeline rejects a value', async () => {
    const run = await cli(['--image', 'r.example/x', '--context', '/nonexistent/dir', '--dry-run'])
    expect([run.code, run.out]).toEqual([2, ''])
    expect(run.err).toMatch(/^publish-image: --context: \/nonexistent\/dir is not a directory/m)
  })

  it('warns that the labels lack a source when the repository is unknown but images are given', async () => {
    const run = await cli(['--image', 'r.example/x', '--context', '/nonexistent/dir'])
    expect(run.err).toContain('warning: no GitHub repository (no GitHub origin remote)')
  })

  it('masks the password from stdin in whatever it reports', async () => {
    const run = await cli(['--password-stdin', '--registry', 'hunter2/x', '--image', 'r/x'], 'hunter2\n')
    expect(run.code).toBe(2)
    expect(run.err).toContain("--registry: '***/x' is not a registry host")
    expect(run.err + run.out).not.toContain('hunter2')
  })

  it('masks GITHUB_TOKEN from the environment in whatever it reports', async () => {
    const env = { GITHUB_TOKEN: 'ghs_cli_token_value' }
    const run = await cli(['--registry', 'ghs_cli_token_value/x', '--image', 'r/x'], '', env)
    expect(run.code).toBe(2)
    expect(run.err).toContain("--registry: '***/x' is not a registry host")
    expect(run.err + run.out).not.toContain('ghs_cli_token_value')
  })
})

describe('resultText', () => {
  const outputs = {
    digest: 'sha256:aa',
    tags: 'r/x:main\nr/x:sha-1',
    refs: 'r/x@sha256:aa',
    metadata: '{"digest":"sha256:aa"}'
  }

  it('is the metadata output alone with --json', () => {
    expect(resultText(outputs, { json: true, dryRun: false })).toBe('{"digest":"sha256:aa"}\n')
  })

  it('is the digest, tags and refs otherwise', () => {
    expect(resultText(outputs, { json: false, dryRun: false })).toBe(
      'digest: sha256:aa\ntags:\n  r/x:main\n  r/x:sha-1\nrefs:\n  r/x@sha256:aa\n'
    )
  })

  it('lists the platform digests of a multi-platform image, and of a leg that pushed by digest only', () => {
    const multi = { ...outputs, 'platform-digests': '{"linux/amd64":"sha256:a1","linux/arm64":"sha256:a2"}' }
    expect(resultText(multi, { json: false, dryRun: false })).toMatch(
      /\nplatforms:\n {2}linux\/amd64: sha256:a1\n {2}linux\/arm64: sha256:a2\n$/
    )
    const one = { ...outputs, 'platform-digests': '{"linux/amd64":"sha256:aa"}' }
    expect(resultText(one, { json: false, dryRun: false })).not.toContain('platforms:')
    const leg = { digest: '', tags: '', refs: '', 'platform-digests': multi['platform-digests'] }
    expect(resultText(leg, { json: false, dryRun: false })).toBe(
      'pushed by digest, one per platform\nplatforms:\n  linux/amd64: sha256:a1\n  linux/arm64: sha256:a2\n'
    )
  })

  it('says when nothing was pushed', () => {
    const none = { ...outputs, digest: '', refs: '' }
    expect(resultText(none, { json: false, dryRun: true })).toMatch(
      /^dry run: nothing built, nothing pushed\ntags:/
    )
    expect(resultText(none, { json: false, dryRun: false })).toMatch(/^built, not pushed\n/)
  })
})
