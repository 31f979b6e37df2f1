import { beforeAll, describe, expect, it } from '@jest/globals'
import { loadTemplateEngine, templateEngine } from '../../../src/metadata/template-engine.js'
import { InputError } from '../../../src/inputs/errors.js'
import { EnvVarError } from '../../../src/metadata/clock.js'
import {
  isRawStatement,
  renderGlobal,
  renderSchedule,
  usesCommitDate,
  type TemplateScope
} from '../../../src/metadata/template.js'
import type { GitContext } from '../../../src/metadata/types.js'

function scope(ref: string, extra: Partial<GitContext> = {}, env: NodeJS.ProcessEnv = {}): TemplateScope {
  const ctx: GitContext = {
    eventName: 'push',
    ref,
    sha: '860c1904a1ce19322e91ac35af1ab07466440c37',
    payload: { repository: { default_branch: 'main' } },
    repository: 'o/r',
    serverUrl: 'https://github.com',
    apiUrl: 'https://api.github.com',
    actor: 'a',
    ...extra
  }
  return { ctx, env, now: new Date('2020-01-10T00:30:00Z'), commitDate: new Date('2019-12-31T23:00:00Z') }
}
const where = { input: 'tags', entry: 'the line' }

// Templates need the engine the plan loads before computing metadata (src/plan.ts).
beforeAll(() => loadTemplateEngine())

describe('global expressions', () => {
  it.each([
    ['refs/heads/my/branch', '{{branch}}|{{tag}}', 'my/branch|'],
    ['refs/tags/v1.2.3', '{{branch}}|{{tag}}', '|v1.2.3'],
    ['refs/pull/2/merge', '{{branch}}|{{tag}}', '|'],
    ['refs/heads/main', '{{sha}}', '860c190'],
    ['refs/heads/main', '{{is_default_branch}}/{{is_not_default_branch}}', 'true/false'],
    ['refs/heads/dev', '{{is_default_branch}}/{{is_not_default_branch}}', 'false/true'],
    ['refs/tags/v1', '{{is_default_branch}}', 'false'],
    ['', '{{is_default_branch}}', 'false']
  ])('%s: %s → %s', (ref, template, expected) => {
    expect(renderGlobal(template, scope(ref), where)).toBe(expected)
  })
  it('is_default_branch is true for create/discussion/issues/schedule events, even on a tag', () => {
    for (const eventName of ['create', 'discussion', 'issues', 'schedule']) {
      expect(renderGlobal('{{is_default_branch}}', scope('refs/tags/v1', { eventName }), where)).toBe('true')
    }
  })
  it('base_ref: the payload base_ref on a tag, the PR base on a PR, else empty', () => {
    const tag = scope('refs/tags/v1', { payload: { base_ref: 'refs/heads/main' } })
    const pr = scope('refs/pull/3/merge', { payload: { pull_request: { base: { ref: 'develop' } } } })
    expect(renderGlobal('{{base_ref}}', tag, where)).toBe('main')
    expect(renderGlobal('{{base_ref}}', pr, where)).toBe('develop')
    expect(renderGlobal('{{base_ref}}', scope('refs/heads/main'), where)).toBe('')
  })
  it('HTML-escapes what expressions output, not the literal text', () => {
    expect(renderGlobal("a=b&'{{branch}}", scope("refs/heads/x=y&z'"), where)).toBe(
      "a=b&'x&#x3D;y&amp;z&#x27;"
    )
  })
  it('formats dates with moment in UTC by default, or tz', () => {
    const s = scope('refs/heads/main')
    expect(renderGlobal("{{date 'YYYY-MM-DD HH:mm'}}", s, where)).toBe('2020-01-10 00:30')
    expect(renderGlobal("{{date 'HH:mm' tz='America/New_York'}}", s, where)).toBe('19:30')
    expect(renderGlobal("{{commit_date 'YYYYMMDD'}}", s, where)).toBe('20191231')
    expect(renderGlobal('{{date YYYY}}', s, where)).toBe('2020-01-10T00:30:00Z')
  })
  it('fails on {{date}} or {{commit_date}} with no format, naming the input and its line', () => {
    const s = scope('refs/heads/main')
    expect(() => renderGlobal('{{date}}', s, where)).toThrow(
      "input 'tags': cannot render '{{date}}' in 'the line': {{date}} needs a format, e.g. {{date 'YYYYMMDD'}}"
    )
    expect(() => renderGlobal("v-{{ commit_date tz='UTC' }}", s, where)).toThrow(
      "{{commit_date}} needs a format, e.g. {{commit_date 'YYYYMMDD'}}"
    )
    expect(() => renderSchedule('{{date}}', s, where)).toThrow(InputError)
  })
  it('short sha length follows DOCKER_METADATA_SHORT_SHA_LENGTH; a non-number is an env error', () => {
    expect(
      renderGlobal('{{sha}}', scope('refs/heads/main', {}, { DOCKER_METADATA_SHORT_SHA_LENGTH: '10' }), where)
    ).toBe('860c1904a1')
    const bad = scope('refs/heads/main', {}, { DOCKER_METADATA_SHORT_SHA_LENGTH: 'ten' })
    expect(() => renderGlobal('{{sha}}', bad, where)).toThrow(EnvVarError)
  })
  it('reports a bad template as an InputError with the input and the line', () => {
    const s = scope('refs/heads/main')
    expect(() => renderGlobal('{{#if}}', s, where)).toThrow(InputError)
    expect(() => renderGlobal("{{date 'Y' zone='UTC'}}", s, where)).toThrow(
      "input 'tags': cannot render '{{date 'Y' zone='UTC'}}' in 'the line': unknown attribute 'zone'"
    )
    expect(() => renderGlobal("{{nohelper 'x'}}", s, where)).toThrow('Missing helper')
  })
})

describe('schedule patterns', () => {
  it('only know the date helpers', () => {
    const s = scope('refs/heads/main')
    expect(renderSchedule("{{branch}}{{sha}}{{date 'YYYYMMDD'}}-{{commit_date 'YYYY'}}", s, where)).toBe(
      '20200110-2019'
    )
  })
})

describe('isRawStatement', () => {
  it.each([
    ['{{raw}}', true],
    ['{{ raw }}', true],
    ['{{ raw}}', true],
    ['{{ raw }}.{{ version }}', false],
    ['v{{raw}}', false],
    ['{{version}}', false],
    ['{{ raw }', false]
  ])('%s → %s', (pattern, expected) => {
    expect(isRawStatement(pattern)).toBe(expected)
  })
})

describe('usesCommitDate', () => {
  it('spots a commit_date expression in any line', () => {
    expect(usesCommitDate(['type=raw,value=x', "org.x={{ commit_date 'YYYY' }}"])).toBe(true)
    expect(usesCommitDate(["type=raw,value={{date 'YYYY'}}", 'commit_date=literal'])).toBe(false)
  })
})

describe('text without {{', () => {
  // render() returns it without the engine: this pins that Handlebars itself renders it unchanged.
  it.each([
    'v1',
    'a&b<c>"d"\'e\'=f`g',
    'back\\slash \\\\ and \\{ and { single } }}',
    '  spaced\ttabs  ',
    'ünïcödé-🐳',
    ''
  ])('%j renders to itself, as Handlebars renders it', text => {
    const { handlebars } = templateEngine()
    expect(handlebars.compile(text)({ x: 1 })).toBe(text)
    expect(renderGlobal(text, scope('refs/heads/main'), where)).toBe(text)
  })
})
