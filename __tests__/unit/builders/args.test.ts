import { describe, expect, it } from '@jest/globals'
import {
  buildahBuildArgs,
  buildahPushArgs,
  buildxBuildArgs,
  dockerBuildArgs
} from '../../../src/builders/index.js'
import { buildxCreateArgs, driverExportsOci, parseBuildxDriver } from '../../../src/builders/buildx/args.js'
import { InputError } from '../../../src/inputs/errors.js'
import { request } from './helpers.js'

const full = request({
  buildArgs: ['A=1', 'B'],
  labels: { 'org.opencontainers.image.title': 'app', 'x.y': 'a b' },
  target: 'final',
  platforms: ['linux/amd64', 'linux/arm64'],
  noCache: true,
  pull: true,
  secrets: [
    { id: 'npm', src: '/run/npmrc' },
    { id: 'token', env: 'GH_TOKEN' }
  ]
})

describe('buildahBuildArgs', () => {
  it('builds every platform into one manifest list with labels, args, secrets by reference', () => {
    expect(buildahBuildArgs(full, '1.28.2', 'localhost/m')).toEqual([
      'build',
      '--format',
      'oci',
      '--manifest',
      'localhost/m',
      '--file',
      '/ctx/Dockerfile',
      '--build-arg',
      'A=1',
      '--build-arg',
      'B',
      '--label',
      'org.opencontainers.image.title=app',
      '--label',
      'x.y=a b',
      '--target',
      'final',
      '--no-cache',
      '--platform',
      'linux/amd64,linux/arm64',
      '--pull=always',
      '--secret',
      'id=npm,src=/run/npmrc',
      '--secret',
      'id=token,env=GH_TOKEN',
      '/ctx'
    ])
  })
  it('uses `bud` before 1.23 and refuses env= secrets before 1.24 (they must be files by then)', () => {
    expect(buildahBuildArgs(request(), '1.22.0', 'm')[0]).toBe('bud')
    expect(() => buildahBuildArgs(full, '1.23.1', 'm')).toThrow("secret 'token' comes from env=")
  })
  it('turns on layer caching for cache repositories, accepting the buildx registry spelling', () => {
    const args = buildahBuildArgs(
      request({ cacheFrom: ['type=registry,ref=r/cache'], cacheTo: ['r/cache'] }),
      '1.28.2',
      'm'
    )
    expect(args).toEqual(
      expect.arrayContaining(['--layers', '--cache-from', 'r/cache', '--cache-to', 'r/cache'])
    )
  })
  it('commits one platform straight into a dir: directory instead of a manifest list', () => {
    const args = buildahBuildArgs(request(), '1.28.2', 'dir:/w/dir')
    expect(args.slice(0, 5)).toEqual(['build', '--format', 'oci', '--tag', 'dir:/w/dir'])
    expect(args).not.toContain('--manifest')
  })
  it('leaves platform and pull to buildah when not asked', () => {
    const args = buildahBuildArgs(request(), '1.28.2', 'm')
    expect(args.some(a => a.startsWith('--platform') || a.startsWith('--pull'))).toBe(false)
  })
  it('exports the whole list uncompressed (dir:), for one compression pass at the push', () => {
    expect(buildahPushArgs('localhost/m', '/w/dir')).toEqual([
      'manifest',
      'push',
      '--all',
      '--format',
      'oci',
      'localhost/m',
      'dir:/w/dir'
    ])
  })
})

describe('dockerBuildArgs', () => {
  const single = request({ ...full, platforms: [] })
  it('with built-in BuildKit (client < 23): one platform, secrets by reference, no buildx flags', () => {
    const args = dockerBuildArgs(single, { mode: 'buildkit', version: '20.10.24' }, 'linux/arm64', 't:1')
    expect(args).toEqual([
      'build',
      '--tag',
      't:1',
      '--file',
      '/ctx/Dockerfile',
      '--build-arg',
      'A=1',
      '--build-arg',
      'B',
      '--label',
      'org.opencontainers.image.title=app',
      '--label',
      'x.y=a b',
      '--target',
      'final',
      '--no-cache',
      '--platform',
      'linux/arm64',
      '--pull',
      '--secret',
      'id=npm,src=/run/npmrc',
      '--secret',
      'id=token,env=GH_TOKEN',
      '/ctx'
    ])
  })
  it('through buildx it loads into the engine and switches provenance off from buildx 0.10', () => {
    const args = dockerBuildArgs(
      request(),
      { mode: 'buildx', version: '28.2.2', buildxVersion: '0.24.0' },
      undefined,
      't'
    )
    expect(args.slice(-3)).toEqual(['--load', '--provenance=false', '/ctx'])
    const old = dockerBuildArgs(
      request(),
      { mode: 'buildx', version: '23.0.0', buildxVersion: '0.9.1' },
      undefined,
      't'
    )
    expect(old).not.toContain('--provenance=false')
  })
  it('built-in BuildKit before 20.10 reads secrets from files only', () => {
    expect(() => dockerBuildArgs(single, { mode: 'buildkit', version: '19.03.15' }, undefined, 't')).toThrow(
      'env='
    )
  })
  it('refuses secrets with the classic builder, naming the input', () => {
    expect(() => dockerBuildArgs(single, { mode: 'classic', version: '28.2.2' }, undefined, 't')).toThrow(
      InputError
    )
  })
})

describe('buildxBuildArgs', () => {
  it('exports all platforms as one OCI tarball, without attestations, on the given builder', () => {
    const req = request({ ...full, cacheFrom: ['type=gha'], cacheTo: ['type=gha,mode=max'] })
    const args = buildxBuildArgs(req, '0.24.0', { builder: 'tmp', dest: '/w/out.tar' })
    expect(args).toEqual([
      'buildx',
      'build',
      '--builder',
      'tmp',
      '--file',
      '/ctx/Dockerfile',
      '--build-arg',
      'A=1',
      '--build-arg',
      'B',
      '--label',
      'org.opencontainers.image.title=app',
      '--label',
      'x.y=a b',
      '--target',
      'final',
      '--no-cache',
      '--platform',
      'linux/amd64,linux/arm64',
      '--pull',
      '--secret',
      'id=npm,src=/run/npmrc',
      '--secret',
      'id=token,env=GH_TOKEN',
      '--cache-from',
      'type=gha',
      '--cache-to',
      'type=gha,mode=max',
      '--provenance=false',
      '--sbom=false',
      '--output',
      'type=oci,dest=/w/out.tar,compression=uncompressed',
      '/ctx'
    ])
  })
  it('asks for a metadata file when given one, after the attestation flags', () => {
    const args = buildxBuildArgs(request(), '0.38.2', { dest: '/o.tar', metadataFile: '/w/meta.json' })
    expect(args.slice(-6)).toEqual([
      '--sbom=false',
      '--metadata-file',
      '/w/meta.json',
      '--output',
      'type=oci,dest=/o.tar,compression=uncompressed',
      '/ctx'
    ])
  })
  it('omits the attestation flags buildx < 0.10 does not know, and --builder when the current one exports OCI', () => {
    const args = buildxBuildArgs(request(), '0.9.1', { dest: '/o.tar' })
    expect(args).toEqual([
      'buildx',
      'build',
      '--file',
      '/ctx/Dockerfile',
      '--output',
      'type=oci,dest=/o.tar,compression=uncompressed',
      '/ctx'
    ])
  })
  it('knows which drivers can export OCI', () => {
    expect(parseBuildxDriver('Name:   default\nDriver: docker\n')).toBe('docker')
    expect(parseBuildxDriver('Name: b\nDriver:\nLast Activity: 2026-12-01\n')).toBeUndefined()
    expect(driverExportsOci(parseBuildxDriver('Name: b\nDriver:        docker-container\n'))).toBe(true)
    expect(driverExportsOci('docker')).toBe(false)
    expect(driverExportsOci(undefined)).toBe(false)
    expect(buildxCreateArgs('n')).toEqual([
      'buildx',
      'create',
      '--name',
      'n',
      '--driver',
      'docker-container',
      '--driver-opt',
      'network=host'
    ])
  })
})

describe('every builder', () => {
  it('never puts a secret value on argv', () => {
    process.env.GH_TOKEN_FOR_ARGV_TEST = 'value-that-must-not-leak'
    const req = request({ secrets: [{ id: 't', env: 'GH_TOKEN_FOR_ARGV_TEST' }] })
    const all = [
      ...buildahBuildArgs(req, '1.28.2', 'm'),
      ...dockerBuildArgs(req, { mode: 'buildkit', version: '20.10.24' }, undefined, 't'),
      ...buildxBuildArgs(req, '0.24.0', { dest: '/o.tar' })
    ]
    expect(all.join(' ')).not.toContain('value-that-must-not-leak')
    delete process.env.GH_TOKEN_FOR_ARGV_TEST
  })
})
