import { afterEach, describe, expect, it } from '@jest/globals'
import { readInputs } from '../../../src/inputs/read.js'
import { loadActionYml } from '../../../scripts/run-action.mjs'

const saved = { ...process.env }
afterEach(() => {
  process.env = { ...saved }
})

async function setInputs(overrides: Record<string, string>) {
  const action = await loadActionYml()
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = overrides[name] ?? (spec.default ?? '').replace(/\$\{\{[^}]+\}\}/g, 'x')
    process.env[`INPUT_${name.toUpperCase()}`] = value
  }
}

describe('readInputs', () => {
  it('reads action.yml defaults into typed values', async () => {
    await setInputs({})
    const inputs = readInputs()
    expect(inputs).toMatchObject({
      registry: 'ghcr.io',
      context: '.',
      builder: 'auto',
      buildxVersion: '',
      buildxDownloadUrl: 'https://github.com/docker/buildx/releases/download',
      push: 'auto',
      noCache: false,
      summary: true,
      pushTimeoutMinutes: 60,
      provenance: { mode: 'min', signing: 'auto', explicit: false },
      platforms: [],
      tags: []
    })
  })

  it('reads the build-push-action inputs, splitting on commas where build-push-action does', async () => {
    await setInputs({
      load: 'true',
      network: ' none ',
      'add-hosts': 'a:1.1.1.1,b:2.2.2.2',
      ulimit: 'nofile=1:2\nnproc=3',
      allow: 'network.host, security.insecure',
      'build-contexts': 'x=./a,b',
      'secret-envs': 'a=TOKEN',
      'no-cache-filters': 'one,two',
      outputs: 'type=local,dest=out'
    })
    expect(readInputs().extras).toEqual({
      load: true,
      network: 'none',
      addHosts: ['a:1.1.1.1', 'b:2.2.2.2'],
      shmSize: '',
      ulimits: ['nofile=1:2', 'nproc=3'],
      allow: ['network.host', 'security.insecure'],
      ssh: [],
      buildContexts: ['x=./a,b'],
      secretEnvs: ['a=TOKEN'],
      secretFiles: [],
      noCacheFilters: ['one', 'two'],
      outputs: ['type=local,dest=out']
    })
    await setInputs({ load: 'maybe' })
    expect(() => readInputs()).toThrow("input 'load'")
  })

  it('reads compression (gzip by default) and compression-level', async () => {
    await setInputs({})
    const defaults = readInputs()
    expect(defaults.compression).toBe('gzip')
    expect(defaults.compressionLevel).toBeUndefined()
    await setInputs({ compression: 'gzip', 'compression-level': '1' })
    expect(readInputs()).toMatchObject({ compression: 'gzip', compressionLevel: 1 })
    await setInputs({ compression: 'uncompressed' })
    expect(readInputs().compression).toBe('uncompressed')
  })

  it('splits lists by line, and platforms also by comma', async () => {
    await setInputs({
      tags: 'type=ref,event=branch\n\n  type=sha  \n',
      platforms: 'linux/amd64, linux/arm64\nlinux/arm/v7',
      'build-args': 'A=1,2\nB=3'
    })
    const inputs = readInputs()
    expect(inputs.tags).toEqual(['type=ref,event=branch', 'type=sha'])
    expect(inputs.platforms).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7'])
    expect(inputs.buildArgs).toEqual(['A=1,2', 'B=3'])
  })

  it('reads digests as lines, leaving commas alone', async () => {
    await setInputs({ merge: 'true', digests: ' sha256:aa \n\nlinux/arm64=sha256:bb\n' })
    const inputs = readInputs()
    expect(inputs.merge).toBe(true)
    expect(inputs.digests).toEqual(['sha256:aa', 'linux/arm64=sha256:bb'])
  })

  it('names the input and the fix for a bad boolean or choice', async () => {
    await setInputs({ 'no-cache': 'yes' })
    expect(() => readInputs()).toThrow(/input 'no-cache': 'yes' is not a boolean; use true or false/)
    await setInputs({ builder: 'kaniko' })
    expect(() => readInputs()).toThrow(
      /input 'builder': 'kaniko' is not one of auto, buildx, buildah, docker/
    )
    await setInputs({ 'push-timeout': 'soon' })
    expect(() => readInputs()).toThrow(/input 'push-timeout': 'soon' is not a positive number of minutes/)
    await setInputs({ push: 'maybe' })
    expect(() => readInputs()).toThrow(/input 'push'/)
  })

  it('trims the newline a pasted secret often carries', async () => {
    await setInputs({ password: 's3cret\n' })
    expect(readInputs().password).toBe('s3cret')
  })
})

describe('readInputs: provenance', () => {
  it('reads mode and signing, and names the input when the value is wrong', async () => {
    await setInputs({ provenance: 'mode=max,signing=required' })
    expect(readInputs().provenance).toEqual({ mode: 'max', signing: 'required', explicit: true })
    await setInputs({ provenance: 'max' })
    expect(() => readInputs()).toThrow(/input 'provenance': 'max' is not key=value; use true, false/)
  })
})
