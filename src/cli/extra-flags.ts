/** Flags for build-push-action's inputs (docker build's names, repeatable where docker's are). */
import type { ExtraInputs } from '../inputs/extras.js'
import type { FlagSpec } from './flags.js'

export const EXTRA_FLAGS: readonly FlagSpec[] = [
  {
    name: 'load',
    kind: 'boolean',
    input: 'load',
    description: 'Also load the image into the local docker engine.'
  },
  {
    name: 'network',
    kind: 'string',
    input: 'network',
    value: 'MODE',
    description: 'Network mode of RUN steps.'
  },
  {
    name: 'add-host',
    kind: 'list',
    input: 'add-hosts',
    value: 'HOST:IP',
    description: 'Extra /etc/hosts entry; repeatable.'
  },
  {
    name: 'shm-size',
    kind: 'string',
    input: 'shm-size',
    value: 'SIZE',
    description: 'Size of /dev/shm in RUN steps.'
  },
  {
    name: 'ulimit',
    kind: 'list',
    input: 'ulimit',
    value: 'NAME=SOFT[:HARD]',
    description: 'Ulimit of RUN steps; repeatable.'
  },
  {
    name: 'allow',
    kind: 'list',
    input: 'allow',
    value: 'ENTITLEMENT',
    description: 'Extra privileged entitlement; repeatable.'
  },
  {
    name: 'ssh',
    kind: 'list',
    input: 'ssh',
    value: 'ID[=SOCKET|KEY]',
    description: 'SSH agent socket or keys for RUN --mount=type=ssh; repeatable.'
  },
  {
    name: 'build-context',
    kind: 'list',
    input: 'build-contexts',
    value: 'NAME=VALUE',
    description: 'Additional build context; repeatable.'
  },
  {
    name: 'secret-env',
    kind: 'list',
    input: 'secret-envs',
    value: 'ID=ENV',
    description: 'Build secret from an environment variable; repeatable.'
  },
  {
    name: 'secret-file',
    kind: 'list',
    input: 'secret-files',
    value: 'ID=PATH',
    description: 'Build secret from a file; repeatable.'
  },
  {
    name: 'no-cache-filter',
    kind: 'list',
    input: 'no-cache-filters',
    value: 'STAGE',
    description: 'Do not use the cache for this stage; repeatable.'
  },
  {
    name: 'output',
    kind: 'list',
    input: 'outputs',
    value: 'OUTPUT',
    description: 'Extra output besides the registry push; repeatable.'
  }
]

type Values = Record<string, string | boolean | string[] | undefined>

/** The extra inputs from parsed flags: `list` reads repeats (and lines), `commas` also splits on commas. */
export function extrasFromFlags(
  values: Values,
  list: (name: string) => string[],
  text: (name: string) => string
): ExtraInputs {
  const commas = (name: string) =>
    list(name).flatMap(v =>
      v
        .split(',')
        .map(s => s.trim())
        .filter(Boolean)
    )
  return {
    load: values.load === true,
    network: text('network'),
    addHosts: commas('add-host'),
    shmSize: text('shm-size'),
    ulimits: list('ulimit'),
    allow: commas('allow'),
    ssh: list('ssh'),
    buildContexts: list('build-context'),
    secretEnvs: list('secret-env'),
    secretFiles: list('secret-file'),
    noCacheFilters: commas('no-cache-filter'),
    outputs: list('output')
  }
}
