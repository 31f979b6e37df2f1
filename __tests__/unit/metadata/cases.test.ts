import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../../../src/inputs/errors.js'
import {
  computeMetadata,
  labelLines,
  loadTemplateEngine,
  needsTemplateEngine,
  readGitContext,
  type Metadata
} from '../../../src/metadata/index.js'
import { cases, jsonOf, type MetadataCase } from '../../fixtures/metadata/cases.js'

const dir = mkdtempSync(join(tmpdir(), 'metadata-cases-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const silent = { warning: () => {}, info: () => {}, debug: () => {} }

/** Runs a case the way the action does: env + payload file → context → computeMetadata. */
function run(c: MetadataCase, index: number): Metadata {
  const eventPath = join(dir, `event-${index}.json`)
  writeFileSync(eventPath, JSON.stringify(c.payload))
  const env = { ...c.env, GITHUB_EVENT_PATH: eventPath }
  const inputs = {
    images: c.inputs.images ?? [],
    tags: c.inputs.tags ?? [],
    flavor: c.inputs.flavor ?? [],
    labels: c.inputs.labels ?? [],
    annotations: c.inputs.annotations ?? [],
    description: c.inputs.description ?? '',
    licenses: c.inputs.licenses ?? '',
    source: c.inputs.source ?? '',
    defaultImage: `ghcr.io/${c.env.GITHUB_REPOSITORY ?? ''}`,
    platformCount: c.inputs.platforms?.length ?? 0
  }
  return computeMetadata(inputs, readGitContext(env), c.repo ?? undefined, { env, logger: silent })
}

const templated = (c: MetadataCase) =>
  needsTemplateEngine([
    ...(c.inputs.tags ?? []),
    ...(c.inputs.flavor ?? []),
    ...(c.inputs.labels ?? []),
    ...(c.inputs.annotations ?? [])
  ])
const indexed = cases.map((c, index) => [c.name, c, index] as const)

function check(c: MetadataCase, index: number): void {
  if ('error' in c.expected) {
    const error = (() => {
      try {
        run(c, index)
      } catch (err) {
        return err
      }
      throw new Error('expected an error')
    })()
    expect(error).toBeInstanceOf(InputError)
    expect((error as Error).message).toContain(c.expected.error)
    return
  }
  const expected = c.expected
  const metadata = run(c, index)
  expect(metadata.version).toBe(expected.version)
  expect(metadata.tags).toEqual(expected.tags)
  expect(metadata.tagNames).toEqual(expected.tagNames)
  expect(labelLines(metadata.labels)).toEqual(expected.labels)
  expect(metadata.annotations).toEqual(expected.annotations)
  expect(JSON.parse(JSON.stringify(metadata.json))).toEqual(jsonOf(expected))
  for (const warning of expected.warnings ?? []) {
    expect(metadata.warnings.filter(w => w.includes(warning))).toHaveLength(1)
  }
}

describe('metadata cases (docker/metadata-action behaviour)', () => {
  it('covers every documented area', () => {
    expect(cases.length).toBeGreaterThanOrEqual(80)
    expect(new Set(cases.map(c => c.name)).size).toBe(cases.length)
  })
})

// As in a run (src/plan.ts): the engine is loaded only when an input line holds a template. These run
// first, in a module registry of this file's own, so nothing has loaded it yet.
describe('metadata cases whose inputs hold no template, without the template engine', () => {
  it.each(indexed.filter(([, c]) => !templated(c)))('%s', (_name, c, index) => check(c, index))
})

describe('metadata cases with templates', () => {
  beforeAll(() => loadTemplateEngine())
  it.each(indexed.filter(([, c]) => templated(c)))('%s', (_name, c, index) => check(c, index))
})
