/** The command line's flags: one or more per action input (action.yml), plus the CLI's own. */
import { EXTRA_FLAGS } from './extra-flags.js'
import { PINNED_BUILDX_VERSION } from '../builders/buildx/release.js'
export interface FlagSpec {
  /** The long name, without `--`. */
  name: string
  /** `list` flags repeat; each value may also hold several lines. */
  kind: 'string' | 'list' | 'boolean'
  /** The action.yml input the flag sets; undefined for the CLI's own flags. */
  input?: string
  /** The placeholder shown in --help. */
  value?: string
  description: string
  /** The default shown in --help. */
  default?: string
}

/** Inputs read from the environment, never from argv. */
export interface EnvSpec {
  name: string
  input?: string
  description: string
}

export const BUILDERS = ['auto', 'buildx', 'buildah', 'docker'] as const
export const PUSH_MODES = ['auto', 'true', 'false'] as const
export const CLEANUP_MODES = ['false', 'true', 'dry-run'] as const

export const FLAGS: readonly FlagSpec[] = [
  {
    name: 'registry',
    kind: 'string',
    input: 'registry',
    value: 'HOST',
    default: 'ghcr.io',
    description: 'Registry host to log in to and push to.'
  },
  {
    name: 'image',
    kind: 'list',
    input: 'images',
    value: 'IMAGE',
    default: '<registry>/<owner>/<repo>',
    description: 'Image name (metadata-action syntax); repeatable.'
  },
  {
    name: 'tag',
    kind: 'list',
    input: 'tags',
    value: 'RULE',
    default: "metadata-action's",
    description: 'Tag rule (metadata-action syntax); repeatable.'
  },
  {
    name: 'flavor',
    kind: 'list',
    input: 'flavor',
    value: 'RULE',
    description: 'Tag flavor (`latest=auto|true|false`, `prefix=`, `suffix=`); repeatable.'
  },
  {
    name: 'label',
    kind: 'list',
    input: 'labels',
    value: 'KEY=VALUE',
    description: 'Extra image label; repeatable.'
  },
  {
    name: 'annotation',
    kind: 'list',
    input: 'annotations',
    value: 'KEY=VALUE',
    description: 'Extra annotation; repeatable.'
  },
  {
    name: 'description',
    kind: 'string',
    input: 'description',
    value: 'TEXT',
    default: "the repository's",
    description: 'Package description (the OCI description label).'
  },
  {
    name: 'licenses',
    kind: 'string',
    input: 'licenses',
    value: 'SPDX',
    default: "the repository's",
    description: 'SPDX license expression (the OCI licenses label).'
  },
  {
    name: 'source',
    kind: 'string',
    input: 'source',
    value: 'URL',
    default: 'the repository',
    description: 'URL linking the package (OCI source label).'
  },
  {
    name: 'username',
    kind: 'string',
    input: 'username',
    value: 'NAME',
    default: 'the credential files',
    description: 'Registry username for the password below.'
  },
  {
    name: 'password-stdin',
    kind: 'boolean',
    input: 'password',
    default: '$PUBLISH_IMAGE_PASSWORD',
    description: 'Read the registry password from stdin.'
  },
  {
    name: 'context',
    kind: 'string',
    input: 'context',
    value: 'DIR',
    default: '.',
    description: 'Build context directory.'
  },
  {
    name: 'file',
    kind: 'string',
    input: 'file',
    value: 'PATH',
    default: '<context>/Dockerfile',
    description: 'Path to the Dockerfile.'
  },
  {
    name: 'build-arg',
    kind: 'list',
    input: 'build-args',
    value: 'KEY=VALUE',
    description: 'Build argument; repeatable.'
  },
  {
    name: 'secret',
    kind: 'list',
    input: 'secrets',
    value: 'SPEC',
    description: 'Build secret, `id=NAME,src=PATH` or `id=NAME,env=VAR`; repeatable.'
  },
  {
    name: 'target',
    kind: 'string',
    input: 'target',
    value: 'STAGE',
    description: 'Target stage of a multi-stage Dockerfile.'
  },
  {
    name: 'platform',
    kind: 'list',
    input: 'platforms',
    value: 'OS/ARCH',
    default: "this machine's",
    description: 'Platform to build; repeatable or comma-separated.'
  },
  {
    name: 'builder',
    kind: 'string',
    input: 'builder',
    value: 'NAME',
    default: 'auto',
    description: `The builder: ${BUILDERS.join(', ')}.`
  },
  {
    name: 'buildx-version',
    kind: 'string',
    input: 'buildx-version',
    value: 'X.Y.Z',
    default: PINNED_BUILDX_VERSION,
    description: 'buildx release to install for this run when the plugin is missing or too old.'
  },
  {
    name: 'buildx-download-url',
    kind: 'string',
    input: 'buildx-download-url',
    value: 'URL',
    default: 'GitHub releases',
    description: 'Base URL of buildx releases (a mirror).'
  },
  {
    name: 'no-cache',
    kind: 'boolean',
    input: 'no-cache',
    description: "Build without using the builder's cache."
  },
  {
    name: 'pull',
    kind: 'boolean',
    input: 'pull',
    description: 'Always pull newer versions of the base images.'
  },
  {
    name: 'cache-from',
    kind: 'list',
    input: 'cache-from',
    value: 'SOURCE',
    description: 'External cache source (builder syntax); repeatable.'
  },
  {
    name: 'cache-to',
    kind: 'list',
    input: 'cache-to',
    value: 'DEST',
    description: 'External cache destination (builder syntax); repeatable.'
  },
  {
    name: 'push',
    kind: 'string',
    input: 'push',
    value: 'MODE',
    default: 'auto',
    description: `${PUSH_MODES.join(', ')}: auto and true push, false builds only.`
  },
  { name: 'no-push', kind: 'boolean', input: 'push', description: 'Build only: the same as --push false.' },
  {
    name: 'push-by-digest',
    kind: 'boolean',
    input: 'push-by-digest',
    description: 'Push by digest only (no tags, no index): one leg of a multi-machine build.'
  },
  {
    name: 'merge',
    kind: 'boolean',
    input: 'merge',
    description: 'Build nothing; merge the --digest images into one index and tag it.'
  },
  {
    name: 'digest',
    kind: 'list',
    input: 'digests',
    value: '[OS/ARCH=]DIGEST',
    description: 'With --merge, a platform image digest a leg pushed; repeatable.'
  },
  {
    name: 'dry-run',
    kind: 'boolean',
    input: 'dry-run',
    description: 'Build nothing, push nothing; print the plan and the metadata.'
  },
  {
    name: 'push-timeout',
    kind: 'string',
    input: 'push-timeout',
    value: 'MINUTES',
    description: 'Fail if the push (or merge) takes longer than this in all; tags stay where they were.'
  },
  {
    name: 'compression',
    kind: 'string',
    input: 'compression',
    value: 'gzip|zstd|uncompressed',
    default: 'gzip',
    description: 'How new layers are compressed while they upload.'
  },
  {
    name: 'compression-level',
    kind: 'string',
    input: 'compression-level',
    value: 'N',
    description: 'Compression level: 1-9 for gzip (default 6), 1-19 for zstd (default 3).'
  },
  {
    name: 'cleanup',
    kind: 'string',
    input: 'cleanup',
    value: 'false|true|dry-run',
    default: 'false',
    description: 'After the push, delete what the moved tags named before and nothing reaches any more.'
  },
  {
    name: 'sbom',
    kind: 'string',
    input: 'sbom',
    value: 'true|false|format=FORMAT',
    default: 'false',
    description: 'Attach an SBOM (syft; spdx-json or cyclonedx-json) to each pushed platform image.'
  },
  {
    name: 'syft-download-url',
    kind: 'string',
    input: 'syft-download-url',
    value: 'URL',
    default: 'GitHub releases',
    description: 'Base URL of syft releases (a mirror), for --sbom without syft on PATH.'
  },
  {
    name: 'provenance',
    kind: 'string',
    input: 'provenance',
    value: 'true|false|mode=min|mode=max[,signing=auto|required|off]',
    default: 'mode=min when pushing',
    description: 'SLSA provenance for the pushed image, signed with Sigstore when an OIDC token is available.'
  },
  { name: 'no-provenance', kind: 'boolean', input: 'provenance', description: 'Same as --provenance false.' },
  {
    name: 'summary',
    kind: 'string',
    input: 'summary',
    value: 'FILE',
    description: 'Write the Markdown summary (tags, digests, pull commands) to FILE.'
  },
  {
    name: 'repository',
    kind: 'string',
    value: 'OWNER/NAME',
    default: 'the origin remote',
    description: 'GitHub repository the image comes from.'
  },
  ...EXTRA_FLAGS,
  {
    name: 'json',
    kind: 'boolean',
    description: 'Print only the `metadata` output, one JSON object, on stdout.'
  },
  { name: 'verbose', kind: 'boolean', description: 'Show debug messages on stderr.' },
  { name: 'help', kind: 'boolean', description: 'Show this help.' }
]

export const ENVIRONMENT: readonly EnvSpec[] = [
  {
    name: 'GITHUB_TOKEN',
    input: 'github-token',
    description: 'Token for the GitHub REST API (repository description, license).'
  },
  {
    name: 'PUBLISH_IMAGE_PASSWORD',
    input: 'password',
    description: 'Registry password or token, unless --password-stdin.'
  },
  {
    name: 'GITHUB_REF, GITHUB_SHA, GITHUB_REPOSITORY, GITHUB_EVENT_NAME, GITHUB_SERVER_URL',
    description:
      'Override what the local git repository says (defaults: HEAD, its branch or tag, origin, push).'
  },
  { name: 'GITHUB_API_URL', description: 'GitHub REST API (default https://api.github.com).' }
]

export function flagNamed(name: string): FlagSpec | undefined {
  return FLAGS.find(f => f.name === name)
}

/** The flag to name in an error about an action input. */
export function flagForInput(input: string): string | undefined {
  return FLAGS.find(f => f.input === input)?.name
}
