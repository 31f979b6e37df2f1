import { InputError } from '../../inputs/errors.js'
import type { BuilderName } from '../../inputs/types.js'
import { NO_EXTRA_INPUTS, type ExtraInputs } from '../../inputs/extras.js'
import type { SecretSpec } from '../types.js'

/**
 * docker/build-push-action inputs beyond the basics, as the builders take them: the inputs' entries
 * (src/inputs/extras.ts says what each is and which split on commas), without the network (a build
 * option of its own) and the secrets (merged into the build's secrets).
 */
export type BuildExtras = Omit<ExtraInputs, 'network' | 'secretEnvs' | 'secretFiles'>

const { network: _network, secretEnvs: _envs, secretFiles: _files, ...noExtras } = NO_EXTRA_INPUTS
export const NO_EXTRAS: BuildExtras = noExtras

type ExtraInput =
  | 'load'
  | 'add-hosts'
  | 'shm-size'
  | 'ulimit'
  | 'allow'
  | 'ssh'
  | 'build-contexts'
  | 'no-cache-filters'
  | 'outputs'

/** Which input is set, by the input's name. */
function setInputs(x: BuildExtras): ExtraInput[] {
  const set: [ExtraInput, boolean][] = [
    ['load', x.load],
    ['add-hosts', x.addHosts.length > 0],
    ['shm-size', x.shmSize !== ''],
    ['ulimit', x.ulimits.length > 0],
    ['allow', x.allow.length > 0],
    ['ssh', x.ssh.length > 0],
    ['build-contexts', x.buildContexts.length > 0],
    ['no-cache-filters', x.noCacheFilters.length > 0],
    ['outputs', x.outputs.length > 0]
  ]
  return set.filter(([, on]) => on).map(([name]) => name)
}

/** What each builder cannot do. `docker` depends on how the client builds (see DockerBuildMode). */
const UNSUPPORTED: Record<BuilderName | 'docker-classic' | 'docker-buildkit', ExtraInput[]> = {
  buildx: [],
  buildah: ['load', 'allow', 'no-cache-filters', 'outputs'],
  docker: ['allow', 'outputs'],
  'docker-buildkit': ['allow', 'build-contexts', 'no-cache-filters', 'outputs'],
  'docker-classic': ['allow', 'ssh', 'build-contexts', 'no-cache-filters', 'outputs']
}

const HINT: Partial<Record<ExtraInput, string>> = {
  outputs: 'the registry push is the output; use builder: buildx for more',
  load: 'use builder: buildx or docker'
}

/**
 * Fails on the first input `builder` cannot honour, naming the builder. `dockerMode` refines `docker`:
 * `buildx` (docker ≥ 23 with the plugin), `buildkit` (built-in, < 23) or `classic`.
 */
export function validateExtras(
  extras: BuildExtras,
  builder: BuilderName,
  dockerMode?: 'buildx' | 'buildkit' | 'classic'
): void {
  checkSyntax(extras)
  const key = builder === 'docker' && dockerMode && dockerMode !== 'buildx' ? `docker-${dockerMode}` : builder
  const unsupported = UNSUPPORTED[key as keyof typeof UNSUPPORTED]
  const bad = setInputs(extras).find(name => unsupported.includes(name))
  if (bad === undefined) return
  const what = key === builder ? `the ${builder} builder` : `the docker builder (${dockerMode})`
  const hint = HINT[bad] ?? 'use builder: buildx'
  throw new InputError(bad, `${what} does not support ${bad}; ${hint}`)
}

/** The flags for what is set, spelled as buildx, docker build and buildah build all spell them. */
export function extraFlags(x: BuildExtras): string[] {
  return [
    ...x.addHosts.flatMap(h => ['--add-host', h]),
    ...(x.shmSize ? ['--shm-size', x.shmSize] : []),
    ...x.ulimits.flatMap(u => ['--ulimit', u]),
    ...x.ssh.flatMap(s => ['--ssh', s]),
    ...x.buildContexts.flatMap(c => ['--build-context', c]),
    ...x.noCacheFilters.flatMap(f => ['--no-cache-filter', f]),
    ...x.allow.flatMap(a => ['--allow', a])
  ]
}

/** `load` needs one image: an engine without the containerd store holds one platform per tag. */
export function checkLoad(extras: BuildExtras, platforms: string[]): void {
  if (extras.load && platforms.length > 1)
    throw new InputError(
      'load',
      `load: true puts one image in the docker engine, but ${platforms.length} platforms are built; build one platform to load it`
    )
}

/** Entry syntax every builder shares; errors name the input and the entry's position. */
export function checkSyntax(x: BuildExtras): void {
  x.addHosts.forEach((h, i) => {
    if (!/^[^:\s]+:\S+$/.test(h))
      throw new InputError('add-hosts', `entry ${i + 1}: expected host:ip, got '${h}'`)
  })
  if (x.shmSize && !/^\d+(\.\d+)?[bkmg]?$/i.test(x.shmSize))
    throw new InputError('shm-size', `'${x.shmSize}' is not a size; use e.g. 64m or 2g`)
  x.ulimits.forEach((u, i) => {
    if (!/^[a-z]+=-?\d+(:-?\d+)?$/.test(u))
      throw new InputError('ulimit', `entry ${i + 1}: expected type=soft[:hard], e.g. nofile=1024:1024`)
  })
  x.buildContexts.forEach((c, i) => {
    if (!/^[^=\s]+=\S+/.test(c))
      throw new InputError('build-contexts', `entry ${i + 1}: expected name=path or name=docker-image://ref`)
  })
}

/** `id=VARIABLE` lines (secret-envs) and `id=path` lines (secret-files) as secrets; ids must be new. */
export function secretsFromBpa(secretEnvs: string[], secretFiles: string[]): SecretSpec[] {
  const pair = (input: 'secret-envs' | 'secret-files', line: string, i: number) => {
    const eq = line.indexOf('=')
    const id = line.slice(0, eq).trim()
    const value = line.slice(eq + 1).trim()
    if (eq <= 0 || !value)
      throw new InputError(
        input,
        `line ${i + 1}: expected id=${input === 'secret-envs' ? 'VARIABLE' : 'path'}`
      )
    return { id, value }
  }
  return [
    ...secretEnvs.map((l, i) => pair('secret-envs', l, i)).map(({ id, value }) => ({ id, env: value })),
    ...secretFiles.map((l, i) => pair('secret-files', l, i)).map(({ id, value }) => ({ id, src: value }))
  ]
}
