import { NO_EXTRA_INPUTS } from '../../../src/inputs/extras.js'
import { describe, expect, it } from '@jest/globals'
import { parseCli } from '../../../src/cli/args.js'
import { UsageError } from '../../../src/cli/errors.js'
import type { Inputs } from '../../../src/inputs/types.js'

function inputs(argv: string[], env: NodeJS.ProcessEnv = {}): Inputs {
  const request = parseCli(argv, env)
  if (request.help) throw new Error('unexpected --help')
  return request.inputs
}

function usageError(argv: string[]): UsageError {
  try {
    parseCli(argv, {})
  } catch (err) {
    if (err instanceof UsageError) return err
    throw err
  }
  throw new Error(`${argv.join(' ')} parsed`)
}

describe('parseCli: argv → Inputs', () => {
  it('gives the action defaults when no flag is given', () => {
    expect(inputs([])).toEqual({
      registry: 'ghcr.io',
      images: [],
      tags: [],
      flavor: [],
      labels: [],
      annotations: [],
      description: '',
      licenses: '',
      source: '',
      username: '',
      password: '',
      githubToken: '',
      context: '.',
      file: '',
      buildArgs: [],
      secrets: [],
      target: '',
      platforms: [],
      builder: 'auto',
      buildxVersion: '',
      buildxDownloadUrl: '',
      noCache: false,
      pull: false,
      cacheFrom: [],
      cacheTo: [],
      push: 'auto',
      pushByDigest: false,
      merge: false,
      digests: [],
      dryRun: false,
      summary: false,
      pushTimeoutMinutes: 60,
      extras: NO_EXTRA_INPUTS,
      cleanup: 'false',
      compression: 'gzip',
      syftDownloadUrl: '',
      provenance: { mode: 'min', signing: 'auto', explicit: false }
    })
  })

  it('reads build-push-action inputs from docker build style flags, splitting commas where the action does', () => {
    const parsed = parseCli(
      [
        '--load',
        '--add-host',
        'a:10.0.0.1,b:10.0.0.2',
        '--no-cache-filter',
        'x',
        '--secret-file',
        'id=/p',
        '--ulimit',
        'nofile=1024:2048'
      ],
      {}
    )
    expect(!parsed.help && parsed.inputs.extras).toMatchObject({
      load: true,
      addHosts: ['a:10.0.0.1', 'b:10.0.0.2'],
      noCacheFilters: ['x'],
      secretFiles: ['id=/p'],
      ulimits: ['nofile=1024:2048']
    })
  })

  it('reads --cleanup and refuses a value it does not know', () => {
    const parsed = parseCli(['--cleanup', 'dry-run'], {})
    expect(!parsed.help && parsed.inputs.cleanup).toBe('dry-run')
    expect(() => parseCli(['--cleanup', 'all'], {})).toThrow(
      /--cleanup.*'all' is not one of false, true, dry-run/
    )
  })

  it('reads --push-timeout in minutes and names the flag when it is not a positive number', () => {
    const parsed = parseCli(['--push-timeout', '2.5'], {})
    expect(!parsed.help && parsed.inputs.pushTimeoutMinutes).toBe(2.5)
    expect(() => parseCli(['--push-timeout', '0'], {})).toThrow(
      /push-timeout.*'0' is not a positive number of minutes/
    )
  })

  it('collects repeatable flags in order, splitting multi-line values and commas in --platform', () => {
    const got = inputs([
      '--image=r.example/a',
      '--image',
      'r.example/b',
      '--tag',
      'type=ref,event=branch\ntype=sha',
      '--tag',
      'type=raw,value=x',
      '--label',
      'a=1',
      '--annotation',
      'index:b=2',
      '--build-arg',
      'K=V',
      '--secret',
      'id=s,env=S',
      '--platform',
      'linux/amd64, linux/arm64',
      '--platform',
      'linux/arm/v7',
      '--cache-from',
      'type=registry,ref=r/c',
      '--cache-to',
      'type=inline',
      '--flavor',
      'latest=false',
      '--digest',
      'linux/amd64=sha256:aa'
    ])
    expect(got.images).toEqual(['r.example/a', 'r.example/b'])
    expect(got.tags).toEqual(['type=ref,event=branch', 'type=sha', 'type=raw,value=x'])
    expect([got.labels, got.annotations, got.buildArgs, got.secrets]).toEqual([
      ['a=1'],
      ['index:b=2'],
      ['K=V'],
      ['id=s,env=S']
    ])
    expect(got.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7'])
    expect([got.cacheFrom, got.cacheTo, got.flavor]).toEqual([
      ['type=registry,ref=r/c'],
      ['type=inline'],
      ['latest=false']
    ])
    expect(got.digests).toEqual(['linux/amd64=sha256:aa'])
  })

  it('maps single values and booleans', () => {
    const got = inputs(
      [
        ...['--registry', 'localhost:5000', '--context', 'app', '--file', 'app/Containerfile'],
        ...['--target', 'prod', '--builder', 'BUILDAH', '--username', 'me', '--description', 'd'],
        ...['--licenses', 'MIT', '--source', 'https://x', '--summary', 'out.md'],
        ...['--no-cache', '--pull', '--dry-run', '--push-by-digest', '--merge']
      ],
      { GITHUB_TOKEN: 'ghs_t', PUBLISH_IMAGE_PASSWORD: 'pw' }
    )
    expect(got).toMatchObject({
      registry: 'localhost:5000',
      context: 'app',
      file: 'app/Containerfile',
      target: 'prod',
      builder: 'buildah',
      username: 'me',
      description: 'd',
      licenses: 'MIT',
      source: 'https://x',
      summary: true,
      noCache: true,
      pull: true,
      dryRun: true,
      pushByDigest: true,
      merge: true,
      githubToken: 'ghs_t',
      password: 'pw'
    })
  })

  it('takes --push auto|true|false and --no-push', () => {
    expect(inputs(['--push', 'true']).push).toBe('true')
    expect(inputs(['--push=false']).push).toBe('false')
    expect(inputs(['--no-push']).push).toBe('false')
  })

  it('leaves the password for stdin with --password-stdin, ignoring the environment', () => {
    const request = parseCli(['--password-stdin'], { PUBLISH_IMAGE_PASSWORD: 'from-env' })
    expect(request.help).toBe(false)
    if (request.help) return
    expect(request.inputs.password).toBe('')
    expect(request.options.passwordStdin).toBe(true)
  })

  it('returns the CLI options', () => {
    const request = parseCli(['--json', '--verbose', '--repository', 'o/r', '--summary', 's.md'], {})
    expect(request).toMatchObject({
      help: false,
      options: { json: true, verbose: true, repository: 'o/r', summaryFile: 's.md', passwordStdin: false }
    })
  })

  it('answers --help and -h', () => {
    expect(parseCli(['--help'], {})).toEqual({ help: true })
    expect(parseCli(['--image', 'x', '-h'], {})).toEqual({ help: true })
  })
})

describe('parseCli: errors name the flag', () => {
  it.each([
    [['--images', 'x'], '--images', /did you mean --image\?/],
    [['--frobnicate'], '--frobnicate', /unknown flag; see publish-image --help/],
    [['--password', 'hunter2'], '--password', /unknown flag/],
    [['--builder', 'kaniko'], '--builder', /'kaniko' is not one of auto, buildx, buildah, docker/],
    [['--push', 'maybe'], '--push', /not one of auto, true, false/],
    [['--no-push', '--push', 'true'], '--no-push', /conflicts with --push/],
    [['--registry', 'a', '--registry', 'b'], '--registry', /more than once/],
    [['--dry-run=yes'], '--dry-run', /takes no value/],
    [['--image'], '--image', /needs a value/],
    [['context-dir'], 'context-dir', /unexpected argument/]
  ])('%j', (argv, flag, message) => {
    const err = usageError(argv)
    expect(err.flag).toBe(flag)
    expect(err.message).toMatch(message)
    expect(err.message.startsWith(`${flag}: `)).toBe(true)
  })

  it('never echoes a value given to an unknown flag', () => {
    expect(usageError(['--password=hunter2']).message).not.toContain('hunter2')
  })
})
