import { parseArgs, type ParseArgsConfig } from 'node:util'
import { DEFAULT_PUSH_TIMEOUT_MINUTES, parseMinutes, splitLines } from '../inputs/read.js'
import { extrasFromFlags } from './extra-flags.js'
import { parseCompression } from '../inputs/compression.js'
import { parseSbom } from '../inputs/sbom.js'
import { parseProvenance } from '../inputs/provenance.js'
import type { BuilderChoice, CleanupMode, Inputs, PushMode } from '../inputs/types.js'
import { UsageError } from './errors.js'
import { BUILDERS, CLEANUP_MODES, FLAGS, PUSH_MODES } from './flags.js'
import { unknownFlagError } from './suggest.js'
import { errorMessage } from '../errors.js'

/** What the command line asks for, beyond the inputs. */
export interface CliOptions {
  json: boolean
  verbose: boolean
  /** Where to write the Markdown summary; undefined writes none. */
  summaryFile: string | undefined
  /** OWNER/NAME from --repository. */
  repository: string | undefined
  /** The password is to be read from stdin (inputs.password is empty until then). */
  passwordStdin: boolean
}

export type CliRequest = { help: true } | { help: false; inputs: Inputs; options: CliOptions }

type Values = Record<string, string | boolean | string[] | undefined>

/** argv (without node and the script) → the pipeline's Inputs. Pure: env is read, never written. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliRequest {
  const values = parseFlags(argv)
  if (values.help === true) return { help: true }
  const passwordStdin = values['password-stdin'] === true
  const summaryFile = text(values, 'summary') || undefined
  const inputs: Inputs = {
    registry: text(values, 'registry') || 'ghcr.io',
    images: list(values, 'image'),
    tags: list(values, 'tag'),
    flavor: list(values, 'flavor'),
    labels: list(values, 'label'),
    annotations: list(values, 'annotation'),
    description: text(values, 'description'),
    licenses: text(values, 'licenses'),
    source: text(values, 'source'),
    username: text(values, 'username'),
    password: passwordStdin ? '' : (env.PUBLISH_IMAGE_PASSWORD ?? ''),
    githubToken: env.GITHUB_TOKEN ?? '',
    context: text(values, 'context') || '.',
    file: text(values, 'file'),
    buildArgs: list(values, 'build-arg'),
    secrets: list(values, 'secret'),
    target: text(values, 'target'),
    platforms: list(values, 'platform').flatMap(p => splitLines(p.replace(/,/g, '\n'))),
    builder: oneOf(values, 'builder', BUILDERS, 'auto') as BuilderChoice,
    buildxVersion: text(values, 'buildx-version'),
    buildxDownloadUrl: text(values, 'buildx-download-url'),
    noCache: values['no-cache'] === true,
    pull: values.pull === true,
    cacheFrom: list(values, 'cache-from'),
    cacheTo: list(values, 'cache-to'),
    push: pushMode(values),
    pushByDigest: values['push-by-digest'] === true,
    merge: values.merge === true,
    digests: list(values, 'digest'),
    dryRun: values['dry-run'] === true,
    summary: summaryFile !== undefined,
    pushTimeoutMinutes: parseMinutes(
      'push-timeout',
      text(values, 'push-timeout'),
      DEFAULT_PUSH_TIMEOUT_MINUTES
    ),
    extras: extrasFromFlags(
      values,
      name => list(values, name),
      name => text(values, name)
    ),
    cleanup: oneOf(values, 'cleanup', CLEANUP_MODES, 'false') as CleanupMode,
    ...parseCompression(text(values, 'compression'), text(values, 'compression-level')),
    sbom: parseSbom(text(values, 'sbom')),
    syftDownloadUrl: text(values, 'syft-download-url'),
    provenance: provenance(values)
  }
  const options: CliOptions = {
    json: values.json === true,
    verbose: values.verbose === true,
    summaryFile,
    repository: text(values, 'repository') || undefined,
    passwordStdin
  }
  return { help: false, inputs, options }
}

function parseFlags(argv: readonly string[]): Values {
  const options: NonNullable<ParseArgsConfig['options']> = {}
  for (const f of FLAGS) {
    options[f.name] = { type: f.kind === 'boolean' ? 'boolean' : 'string', multiple: f.kind === 'list' }
  }
  options.help = { type: 'boolean', short: 'h' }
  let parsed
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, tokens: true })
  } catch (err) {
    throw translate(err)
  }
  rejectRepeats(parsed.tokens)
  return parsed.values as Values
}

/** node:util's messages → one naming the flag and saying what to do. */
function translate(err: unknown): Error {
  const message = errorMessage(err)
  const code = (err as { code?: unknown }).code
  const named = /'(--?[^' ]+)/.exec(message)?.[1] ?? ''
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return unknownFlagError(named)
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const arg = /'([^']*)'/.exec(message)?.[1] ?? ''
    return new UsageError(arg, 'unexpected argument; every value follows its flag (see --help)')
  }
  if (/does not take an argument/.test(message)) return new UsageError(named, 'takes no value')
  if (named) return new UsageError(named, 'needs a value (see --help)')
  return new UsageError('command line', message)
}

/** A flag that takes one value, given twice, is a mistake rather than an override. */
function rejectRepeats(tokens: ReturnType<typeof parseArgs>['tokens']): void {
  const seen = new Set<string>()
  for (const token of tokens ?? []) {
    if (token.kind !== 'option') continue
    const spec = FLAGS.find(f => f.name === token.name)
    if (spec?.kind === 'list') continue
    if (seen.has(token.name)) throw new UsageError(`--${token.name}`, 'given more than once')
    seen.add(token.name)
  }
}

function text(values: Values, name: string): string {
  const value = values[name]
  return typeof value === 'string' ? value.trim() : ''
}

/** Every value of a repeatable flag; a value may hold several lines, as the action input does. */
function list(values: Values, name: string): string[] {
  const value = values[name]
  return Array.isArray(value) ? value.flatMap(splitLines) : []
}

function oneOf(values: Values, name: string, allowed: readonly string[], fallback: string): string {
  const raw = text(values, name)
  const value = raw.toLowerCase() || fallback
  if (!allowed.includes(value))
    throw new UsageError(`--${name}`, `'${raw}' is not one of ${allowed.join(', ')}`)
  return value
}

/** `--provenance VALUE` (the input's values) or `--no-provenance`. */
function provenance(values: Values): Inputs['provenance'] {
  const raw = text(values, 'provenance')
  if (values['no-provenance'] === true) {
    if (raw) throw new UsageError('--no-provenance', 'conflicts with --provenance; give one of them')
    return parseProvenance('false')
  }
  return parseProvenance(raw)
}

function pushMode(values: Values): PushMode {
  const mode = oneOf(values, 'push', PUSH_MODES, 'auto') as PushMode
  if (values['no-push'] !== true) return mode
  if (text(values, 'push')) throw new UsageError('--no-push', 'conflicts with --push; give one of them')
  return 'false'
}
