import * as core from '@actions/core'
import { parseCompression } from './compression.js'
import { InputError } from './errors.js'
import { parseSbom } from './sbom.js'
import { parseProvenance } from './provenance.js'
import type { ExtraInputs } from './extras.js'
import type { BuilderChoice, CleanupMode, Inputs, PushMode } from './types.js'

/** The only place that reads action inputs. Everything downstream gets the typed object. */
export function readInputs(): Inputs {
  return {
    registry: text('registry'),
    images: lines('images'),
    tags: lines('tags'),
    flavor: lines('flavor'),
    labels: lines('labels'),
    annotations: lines('annotations'),
    description: text('description'),
    licenses: text('licenses'),
    source: text('source'),
    username: text('username'),
    password: core.getInput('password'),
    githubToken: core.getInput('github-token'),
    context: text('context') || '.',
    file: text('file'),
    buildArgs: lines('build-args'),
    secrets: lines('secrets'),
    target: text('target'),
    platforms: list('platforms'),
    builder: oneOf('builder', ['auto', 'buildx', 'buildah', 'docker'], 'auto') as BuilderChoice,
    buildxVersion: text('buildx-version'),
    buildxDownloadUrl: text('buildx-download-url'),
    noCache: flag('no-cache', false),
    pull: flag('pull', false),
    cacheFrom: lines('cache-from'),
    cacheTo: lines('cache-to'),
    push: oneOf('push', ['auto', 'true', 'false'], 'auto') as PushMode,
    pushByDigest: flag('push-by-digest', false),
    merge: flag('merge', false),
    digests: lines('digests'),
    dryRun: flag('dry-run', false),
    summary: flag('summary', true),
    pushTimeoutMinutes: parseMinutes('push-timeout', text('push-timeout'), DEFAULT_PUSH_TIMEOUT_MINUTES),
    cleanup: oneOf('cleanup', ['false', 'true', 'dry-run'], 'false') as CleanupMode,
    provenance: parseProvenance(core.getInput('provenance')),
    extras: readExtraInputs(name => flag(name, false)),
    ...parseCompression(text('compression'), text('compression-level')),
    sbom: parseSbom(core.getInput('sbom')),
    syftDownloadUrl: text('syft-download-url')
  }
}

/** build-push-action's inputs, newline-separated (and comma-separated where it splits on commas too). */
function readExtraInputs(flag: (name: string) => boolean): ExtraInputs {
  return {
    load: flag('load'),
    network: text('network'),
    addHosts: list('add-hosts'),
    shmSize: text('shm-size'),
    ulimits: lines('ulimit'),
    allow: list('allow'),
    ssh: lines('ssh'),
    buildContexts: lines('build-contexts'),
    secretEnvs: lines('secret-envs'),
    secretFiles: lines('secret-files'),
    noCacheFilters: list('no-cache-filters'),
    outputs: lines('outputs')
  }
}

export const DEFAULT_PUSH_TIMEOUT_MINUTES = 60

/** A positive number of minutes (fractions allowed); blank means the default. */
export function parseMinutes(name: string, raw: string, fallback: number): number {
  if (raw.trim() === '') return fallback
  const minutes = Number(raw)
  if (!Number.isFinite(minutes) || minutes <= 0) {
    throw new InputError(name, `'${raw}' is not a positive number of minutes; e.g. ${fallback}`)
  }
  return minutes
}

function text(name: string): string {
  return core.getInput(name).trim()
}

/** One entry per line, trimmed, blank lines dropped. */
export function splitLines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l.length > 0)
}

function lines(name: string): string[] {
  return splitLines(core.getInput(name))
}

/** Comma- or newline-separated. */
function list(name: string): string[] {
  return splitLines(core.getInput(name).replace(/,/g, '\n'))
}

function flag(name: string, fallback: boolean): boolean {
  const value = text(name).toLowerCase()
  if (value === '') return fallback
  if (value === 'true') return true
  if (value === 'false') return false
  throw new InputError(name, `'${text(name)}' is not a boolean; use true or false`)
}

function oneOf(name: string, allowed: string[], fallback: string): string {
  const value = text(name).toLowerCase() || fallback
  if (!allowed.includes(value)) {
    throw new InputError(name, `'${text(name)}' is not one of ${allowed.join(', ')}`)
  }
  return value
}
