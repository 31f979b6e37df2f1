import { beforeAll, describe, expect, it } from '@jest/globals'
import {
  EnvVarError,
  computeMetadata,
  labelLines,
  loadTemplateEngine,
  readGitContext,
  type MetadataInputs,
  type RepoInfo
} from '../../../src/metadata/index.js'

const repo: RepoInfo = {
  name: 'App',
  description: 'An app',
  html_url: 'https://github.com/acme/App',
  default_branch: 'main',
  license: { spdx_id: 'MIT' }
}
const env = {
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SHA: 'abcdef0123456789',
  GITHUB_REPOSITORY: 'Acme/App',
  GITHUB_EVENT_NAME: 'push'
}
const ctx = readGitContext(env)

function inputs(extra: Partial<MetadataInputs> = {}): MetadataInputs {
  return {
    images: [],
    tags: [],
    flavor: [],
    labels: [],
    annotations: [],
    description: '',
    licenses: '',
    source: '',
    defaultImage: 'ghcr.io/Acme/App',
    platformCount: 1,
    ...extra
  }
}

function recorder() {
  const info: string[] = []
  const warn: string[] = []
  return {
    info,
    warn,
    logger: { warning: (m: string) => warn.push(m), info: (m: string) => info.push(m), debug: () => {} }
  }
}

// Templates need the engine the plan loads before computing metadata (src/plan.ts).
beforeAll(() => loadTemplateEngine())

describe('computeMetadata', () => {
  it('uses the injected clock for created and {{date}} without SOURCE_DATE_EPOCH', () => {
    const { logger } = recorder()
    const now = new Date('2024-06-01T12:00:00Z')
    const m = computeMetadata(inputs({ tags: ["type=raw,value={{date 'YYYYMMDD'}}"] }), ctx, repo, {
      env,
      now,
      logger
    })
    expect(m.tagNames).toEqual(['20240601'])
    expect(m.labels['org.opencontainers.image.created']).toBe('2024-06-01T12:00:00.000Z')
  })
  it('uses the given commit date for {{commit_date}}', () => {
    const { logger } = recorder()
    const commitDate = new Date('2001-02-03T04:05:06Z')
    const m = computeMetadata(inputs({ tags: ["type=raw,value={{commit_date 'YYYY'}}"] }), ctx, repo, {
      env,
      logger,
      commitDate
    })
    expect(m.version).toBe('2001')
  })
  it('lowercases the default image quietly (info, no warning)', () => {
    const { logger, info } = recorder()
    const m = computeMetadata(inputs(), ctx, repo, { env, logger })
    expect(m.images).toEqual(['ghcr.io/acme/app'])
    expect(m.tags).toEqual(['ghcr.io/acme/app:main'])
    expect(m.warnings).toEqual([])
    expect(info.join('\n')).toContain('lowercased')
  })
  it('returns warnings without logging them, once each', () => {
    const { logger, warn } = recorder()
    const description = `${'x '.repeat(300)}`
    const m = computeMetadata(inputs({ description }), ctx, repo, { env, logger })
    expect(m.warnings.filter(w => w.includes('description has'))).toHaveLength(1)
    expect(warn).toEqual([])
  })
  it('cuts a long licenses expression for GHCR to one that still parses', () => {
    const { logger } = recorder()
    const licenses = Array.from({ length: 40 }, () => 'Apache-2.0').join(' OR ')
    const m = computeMetadata(inputs({ licenses }), ctx, repo, { env, logger })
    const cut = m.labels['org.opencontainers.image.licenses'] ?? ''
    expect(cut).toBe(Array.from({ length: 18 }, () => 'Apache-2.0').join(' OR '))
    expect(cut.length).toBe(248)
    expect(m.warnings).toContain(
      `licenses: licenses has ${licenses.length} characters, GHCR takes at most 255; cut to '${cut}'`
    )
  })
  it('gives each level its annotations and the others none', () => {
    const { logger } = recorder()
    const m = computeMetadata(inputs({ platformCount: 2 }), ctx, repo, { env, logger })
    expect(m.annotationLevels).toEqual(['manifest', 'index'])
    expect(m.annotationsByLevel.index['org.opencontainers.image.description']).toBe('An app')
    expect(m.annotationsByLevel.manifest).toEqual(m.annotationsByLevel.index)
    expect(m.annotationsByLevel['manifest-descriptor']).toEqual({})
    expect(m.annotations).toHaveLength(16)
  })
  it('trims and de-duplicates DOCKER_METADATA_ANNOTATIONS_LEVELS, rejects unknown levels', () => {
    const { logger } = recorder()
    const levels = (value: string) =>
      computeMetadata(inputs(), ctx, repo, {
        env: { ...env, DOCKER_METADATA_ANNOTATIONS_LEVELS: value },
        logger
      }).annotationLevels
    expect(levels('index, manifest,index')).toEqual(['index', 'manifest'])
    expect(() => levels('manifest,blob')).toThrow(EnvVarError)
  })
  it('labels are a sorted record that labelLines turns into k=v lines', () => {
    const { logger } = recorder()
    const m = computeMetadata(inputs({ labels: ['b=2', 'A=1', 'a=0'] }), ctx, repo, { env, logger })
    expect(labelLines(m.labels).slice(0, 3)).toEqual(['a=0', 'A=1', 'b=2'])
    expect(m.json.labels).toBe(m.labels)
  })
  it('drops a repository license GitHub could not identify, and says so', () => {
    const { logger, info } = recorder()
    const m = computeMetadata(
      inputs(),
      ctx,
      { ...repo, license: { spdx_id: 'NOASSERTION' } },
      { env, logger }
    )
    expect(m.labels['org.opencontainers.image.licenses']).toBe('')
    expect(info.join('\n')).toContain("'NOASSERTION' is not an SPDX expression")
  })
})
