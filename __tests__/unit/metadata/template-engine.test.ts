import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../../src/inputs/errors.js'
import { computeMetadata, readGitContext } from '../../../src/metadata/index.js'
import {
  loadTemplateEngine,
  needsTemplateEngine,
  templateEngine
} from '../../../src/metadata/template-engine.js'
import { render } from '../../../src/metadata/template.js'

// Jest gives each test file its own module registry: here the engine starts unloaded, as in a run.
const where = { input: 'tags', entry: 'the line' }

describe('the template engine, loaded only for templates', () => {
  it('needsTemplateEngine: any line holding {{', () => {
    expect(needsTemplateEngine(['type=raw,value=v1', 'type=ref,event=branch'])).toBe(false)
    expect(needsTemplateEngine([])).toBe(false)
    expect(needsTemplateEngine(['type=raw,value=v1', 'type=semver,pattern={{version}}'])).toBe(true)
    expect(needsTemplateEngine(['org.example.built={{date "YYYY"}}'])).toBe(true)
  })

  it('computes metadata from inputs without templates, the engine never loaded', () => {
    const env = { GITHUB_REPOSITORY: 'o/r', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: 'a'.repeat(40) }
    const ctx = readGitContext(env)
    const metadata = computeMetadata(
      {
        images: ['ghcr.io/o/r'],
        tags: ['type=ref,event=branch', 'type=raw,value=v1', 'type=sha'],
        flavor: ['latest=auto', 'prefix=p-'],
        labels: ['org.example.team=core'],
        annotations: [],
        description: 'An app',
        licenses: 'MIT',
        source: '',
        defaultImage: 'ghcr.io/o/r',
        platformCount: 1
      },
      ctx,
      {
        name: 'r',
        description: '',
        html_url: 'https://github.com/o/r',
        default_branch: 'main',
        license: null
      },
      { env, logger: { warning: () => {}, info: () => {}, debug: () => {} } }
    )
    expect(metadata.tags).toEqual(['ghcr.io/o/r:p-main', 'ghcr.io/o/r:p-v1', 'ghcr.io/o/r:sha-aaaaaaa'])
    expect(metadata.labels['org.example.team']).toBe('core')
    expect(() => templateEngine()).toThrow(/not loaded/)
  })

  it('rendering a template before the load is a defect, not a bad input', () => {
    expect(render('v1', {}, where)).toBe('v1')
    let error: unknown
    try {
      render('{{branch}}', {}, where)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(Error)
    expect(error).not.toBeInstanceOf(InputError)
    expect(String(error)).toMatch(/await loadTemplateEngine\(\) first/)
  })

  it('loads once; then templates render', async () => {
    const first = loadTemplateEngine()
    expect(loadTemplateEngine()).toBe(first)
    const engine = await first
    expect(templateEngine()).toBe(engine)
    expect(render('{{x}}-{{y}}', { x: 'a&b', y: 2 }, where)).toBe('a&amp;b-2')
  })
})
