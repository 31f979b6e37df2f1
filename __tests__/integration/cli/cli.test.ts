import { beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { listTags } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { rawManifest, sha256 } from '../../support/e2e.js'

const CLI = resolve('dist/cli.js')

interface CliRun {
  status: number | null
  stdout: string
  stderr: string
}

/** A git repository with one commit on `main` and a GitHub origin, holding a tiny Dockerfile. */
async function gitRepository(baseImage: string): Promise<{ dir: string; sha: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'cli-repo-'))
  await writeFile(join(dir, 'Dockerfile'), `FROM ${baseImage}\nRUN echo hi\n`)
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8'
    }).trim()
  git('init', '--quiet', '--initial-branch=main')
  git('add', 'Dockerfile')
  git('commit', '--quiet', '-m', 'first')
  git('remote', 'add', 'origin', 'https://github.com/Octo-Org/Hello.git')
  return { dir, sha: git('rev-parse', 'HEAD') }
}

describe('dist/cli.js, the command line, in a local git repository', () => {
  const env = testEnv()
  let repo: { dir: string; sha: string }
  let runnerTemp: string

  /** No GITHUB_* from the machine running the tests; the REST API is a closed port on loopback. */
  function cliEnv(): NodeJS.ProcessEnv {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GITHUB_')))
    return { ...clean, GITHUB_API_URL: 'http://127.0.0.1:9', RUNNER_TEMP: runnerTemp }
  }

  function cli(args: string[], input = ''): CliRun {
    const r = spawnSync(process.execPath, [CLI, ...args], {
      cwd: repo.dir,
      env: cliEnv(),
      input,
      encoding: 'utf8',
      timeout: 240000
    })
    return { status: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  const base = () => ['--builder', 'buildah', '--registry', env.registry, '--tag', 'type=ref,event=branch']

  beforeAll(async () => {
    repo = await gitRepository(env.baseImage)
    runnerTemp = await mkdtemp(join(tmpdir(), 'cli-temp-'))
  })

  it('builds and pushes, printing one JSON object on stdout and the progress on stderr', () => {
    const image = `${env.registry}/${uniqueRepo('cli')}`
    const run = cli([...base(), '--image', image, '--json'])
    expect([run.status, run.stderr]).toEqual([0, expect.stringContaining('==> Build (buildah)')])
    expect(run.stderr).toContain('==> Push')
    const result = JSON.parse(run.stdout) as Record<string, unknown>
    expect(run.stdout.trim().split('\n')).toHaveLength(1)
    expect(result).toMatchObject({ pushed: true, builder: 'buildah', tags: [`${image}:main`] })
    expect(result.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(sha256(rawManifest(`${image}:main`).body)).toBe(result.digest)
    expect(result.refs).toEqual([`${image}@${String(result.digest)}`])
    expect((result.labels as Record<string, string>)['org.opencontainers.image.revision']).toBe(repo.sha)
    expect((result.labels as Record<string, string>)['org.opencontainers.image.source']).toBe(
      'https://github.com/Octo-Org/Hello'
    )
  })

  it('computes everything and pushes nothing with --dry-run --json', () => {
    const image = `${env.registry}/${uniqueRepo('cli-dry')}`
    const run = cli([...base(), '--image', image, '--dry-run', '--json'])
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ pushed: false, digest: '', tags: [`${image}:main`] })
    expect(run.stderr).toContain('Dry run')
    expect(listTags(image)).toBe('NAME_UNKNOWN')
  })

  it('takes the image from the origin remote when no --image is given', () => {
    const run = cli([...base(), '--dry-run', '--json'])
    expect(run.status).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ images: [`${env.registry}/octo-org/hello`] })
  })

  it('pushes to the end when its stdout and stderr are closed (`| head`): no EPIPE kills it halfway', async () => {
    const image = `${env.registry}/${uniqueRepo('cli-epipe')}`
    const child = spawn(process.execPath, [CLI, ...base(), '--image', image, '--json'], {
      cwd: repo.dir,
      env: cliEnv(),
      stdio: ['ignore', 'pipe', 'pipe']
    })
    // Closed before the first line: every write of the run fails with EPIPE.
    child.stdout.destroy()
    child.stderr.destroy()
    const status = await new Promise<number | null>(resolve => child.on('exit', code => resolve(code)))
    expect(status).toBe(0)
    expect(listTags(image)).toEqual(expect.arrayContaining(['main']))
  }, 240000)

  it('exits 2 naming a bad flag, before doing anything', () => {
    const run = cli([...base(), '--plattform', 'linux/amd64'])
    expect([run.status, run.stdout]).toEqual([2, ''])
    expect(run.stderr).toContain('--plattform: unknown flag; did you mean --platform?')
  })

  it('never shows a password given through --password-stdin, even with --verbose', () => {
    const image = `${env.registry}/${uniqueRepo('cli-secret')}`
    const password = `pw-${Math.random().toString(36).slice(2)}-secret`
    const run = cli(
      [...base(), '--image', image, '--username', 'me', '--password-stdin', '--verbose'],
      password
    )
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^digest: sha256:[0-9a-f]{64}\n/)
    const everything = run.stdout + run.stderr
    expect(everything).not.toContain(password)
    expect(everything).not.toContain(Buffer.from(`me:${password}`).toString('base64'))
    expect(run.stderr).toContain('debug: ')
  })

  it('removes its work directory when interrupted by Ctrl-C, and exits 130', async () => {
    const context = join(repo.dir, 'slow')
    await mkdir(context)
    await writeFile(join(context, 'Dockerfile'), `FROM ${env.baseImage}\nRUN sleep 30\n`)
    const image = `${env.registry}/${uniqueRepo('cli-interrupt')}`
    const run = await interruptOnce([...base(), '--image', image, '--context', 'slow'], '==> Build')
    expect(run.stderr).toContain('interrupted (SIGINT): stopping and cleaning up')
    expect(run.status).toBe(130)
    expect(await readdir(runnerTemp)).toEqual([])
    expect(listTags(image)).toBe('NAME_UNKNOWN')
  })

  /** Ctrl-C as a terminal sends it: SIGINT to the whole process group, once `marker` shows on stderr. */
  function interruptOnce(args: string[], marker: string): Promise<CliRun> {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: repo.dir,
      env: cliEnv(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    const out = { status: null as number | null, stdout: '', stderr: '' }
    let sent = false
    child.stdout.on('data', c => (out.stdout += String(c)))
    child.stderr.on('data', c => {
      out.stderr += String(c)
      if (!out.stderr.includes(marker) || sent) return
      sent = true
      setTimeout(() => process.kill(-child.pid!, 'SIGINT'), 500)
    })
    return new Promise(resolvePromise => child.on('close', code => resolvePromise({ ...out, status: code })))
  }

  it('leaves nothing in its temporary directory', async () => {
    expect(await readdir(runnerTemp)).toEqual([])
  })
})
