import { describe, expect, it } from '@jest/globals'
import { buildahBuildArgs } from '../../../src/builders/buildah/args.js'
import { buildxBuildArgs } from '../../../src/builders/buildx/args.js'
import { dockerBuildArgs } from '../../../src/builders/docker/args.js'
import {
  checkLoad,
  NO_EXTRAS,
  secretsFromBpa,
  validateExtras,
  type BuildExtras
} from '../../../src/builders/options/extras.js'
import { InputError } from '../../../src/inputs/errors.js'
import { request } from './helpers.js'

const extras = (x: Partial<BuildExtras>): BuildExtras => ({ ...NO_EXTRAS, ...x })

function inputError(fn: () => void): InputError {
  try {
    fn()
  } catch (err) {
    if (err instanceof InputError) return err
    throw err
  }
  throw new Error('expected an InputError')
}

describe('build-push-action inputs per builder', () => {
  it('buildx takes every one', () => {
    const all = extras({
      load: true,
      addHosts: ['a:1.2.3.4'],
      shmSize: '2g',
      ulimits: ['nofile=1:2'],
      allow: ['network.host'],
      ssh: ['default'],
      buildContexts: ['x=./x'],
      noCacheFilters: ['app'],
      outputs: ['type=local,dest=out']
    })
    expect(() => validateExtras(all, 'buildx')).not.toThrow()
  })

  it.each([
    [
      'buildah',
      undefined,
      { outputs: ['type=local,dest=o'] },
      'outputs',
      'the buildah builder does not support outputs'
    ],
    ['buildah', undefined, { load: true }, 'load', 'the buildah builder does not support load'],
    ['buildah', undefined, { noCacheFilters: ['a'] }, 'no-cache-filters', 'buildah builder'],
    ['buildah', undefined, { allow: ['network.host'] }, 'allow', 'buildah builder'],
    [
      'docker',
      'buildx',
      { outputs: ['type=tar,dest=o'] },
      'outputs',
      'the docker builder does not support outputs'
    ],
    ['docker', 'buildkit', { buildContexts: ['a=b'] }, 'build-contexts', 'the docker builder (buildkit)'],
    ['docker', 'classic', { ssh: ['default'] }, 'ssh', 'the docker builder (classic)']
  ] as [
    'buildah' | 'docker',
    'buildx' | 'buildkit' | 'classic' | undefined,
    Partial<BuildExtras>,
    string,
    string
  ][])('%s (%s) refuses %j, naming input and builder', (builder, mode, x, input, message) => {
    const err = inputError(() => validateExtras(extras(x), builder, mode))
    expect(err.input).toBe(input)
    expect(err.message).toContain(message)
  })

  it('buildah and the docker builder take the RUN-step inputs', () => {
    const run = extras({
      addHosts: ['a:1.2.3.4'],
      shmSize: '64m',
      ulimits: ['nofile=1024'],
      ssh: ['default']
    })
    expect(() => validateExtras(run, 'buildah')).not.toThrow()
    expect(() => validateExtras(run, 'docker', 'buildkit')).not.toThrow()
    expect(() =>
      validateExtras(extras({ buildContexts: ['a=b'], noCacheFilters: ['x'] }), 'docker', 'buildx')
    ).not.toThrow()
  })

  it.each([
    [{ addHosts: ['no-ip'] }, 'add-hosts'],
    [{ shmSize: 'lots' }, 'shm-size'],
    [{ ulimits: ['nofile'] }, 'ulimit'],
    [{ buildContexts: ['noequals'] }, 'build-contexts']
  ])('checks the syntax of %j for every builder', (x, input) => {
    expect(inputError(() => validateExtras(extras(x), 'buildx')).input).toBe(input)
  })

  it('load takes one platform', () => {
    expect(() => checkLoad(extras({ load: true }), ['linux/amd64'])).not.toThrow()
    expect(inputError(() => checkLoad(extras({ load: true }), ['linux/amd64', 'linux/arm64'])).input).toBe(
      'load'
    )
    expect(() => checkLoad(extras({}), ['linux/amd64', 'linux/arm64'])).not.toThrow()
  })

  it('secret-envs and secret-files become env= and src= secrets', () => {
    expect(secretsFromBpa(['a=TOKEN'], ['b=/run/f=x'])).toEqual([
      { id: 'a', env: 'TOKEN' },
      { id: 'b', src: '/run/f=x' }
    ])
    expect(inputError(() => secretsFromBpa(['TOKEN'], [])).input).toBe('secret-envs')
    expect(inputError(() => secretsFromBpa([], ['id='])).input).toBe('secret-files')
  })
})

describe('build-push-action inputs on argv', () => {
  const x = extras({
    addHosts: ['db:10.0.0.1'],
    shmSize: '1g',
    ulimits: ['nofile=10:20'],
    ssh: ['default'],
    buildContexts: ['ctx=/c'],
    noCacheFilters: ['app'],
    allow: ['security.insecure']
  })
  const flags = [
    '--add-host',
    'db:10.0.0.1',
    '--shm-size',
    '1g',
    '--ulimit',
    'nofile=10:20',
    '--ssh',
    'default',
    '--build-context',
    'ctx=/c',
    '--no-cache-filter',
    'app',
    '--allow',
    'security.insecure'
  ]
  it('buildx: every flag, load with the tags, extra outputs before the OCI export', () => {
    const req = request({
      extras: { ...x, load: true, outputs: ['type=local,dest=/out'] },
      loadTags: ['r/app:1'],
      network: 'none'
    })
    const args = buildxBuildArgs(req, '0.38.2', { dest: '/o.tar' })
    expect(args.join(' ')).toContain(['--network', 'none', ...flags].join(' '))
    expect(args.slice(-8)).toEqual([
      '--load',
      '--tag',
      'r/app:1',
      '--output',
      'type=local,dest=/out',
      '--output',
      'type=oci,dest=/o.tar,compression=uncompressed',
      '/ctx'
    ])
  })
  it('docker and buildah spell them the same', () => {
    const req = request({ extras: x })
    expect(
      dockerBuildArgs(
        req,
        { mode: 'buildx', version: '28.2.2', buildxVersion: '0.38.2' },
        undefined,
        't'
      ).join(' ')
    ).toContain(flags.join(' '))
    expect(buildahBuildArgs(req, '1.28.2', 'm').join(' ')).toContain(flags.join(' '))
  })
})
