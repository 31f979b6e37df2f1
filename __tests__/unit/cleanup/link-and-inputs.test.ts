import { describe, expect, it } from '@jest/globals'
import { validateCleanup } from '../../../src/inputs/validate.js'
import { linkWarnings, sourceRepository } from '../../../src/packages/link-check.js'
import { buildOutputs, type RunReport } from '../../../src/report/outputs.js'
import { summaryMarkdown } from '../../../src/report/summary.js'

const pkg = { owner: 'octo-org', name: 'tools/app' }
const SOURCE = 'https://github.com/Octo-Org/App'

describe('linkWarnings', () => {
  it('says nothing when the package is linked to the source repository (case aside)', () => {
    expect(
      linkWarnings({ ownerKind: 'orgs', repository: 'octo-org/app' }, pkg, SOURCE, 'https://github.com')
    ).toEqual([])
  })

  it('names the settings page and the Actions access fix when the package is not linked', () => {
    const [warning, ...rest] = linkWarnings({ ownerKind: 'orgs' }, pkg, SOURCE, 'https://github.com')
    expect(rest).toEqual([])
    expect(warning).toContain('not linked to octo-org/app')
    expect(warning).toContain('https://github.com/orgs/octo-org/packages/container/tools%2Fapp/settings')
    expect(warning).toContain('Manage Actions access')
  })

  it('names both repositories when the package is linked to another one; a user package uses /users/', () => {
    const [warning] = linkWarnings(
      { ownerKind: 'users', repository: 'octo-org/other' },
      pkg,
      SOURCE,
      'https://github.com'
    )
    expect(warning).toContain('linked to octo-org/other')
    expect(warning).toContain('names octo-org/app')
    expect(warning).toContain('https://github.com/users/octo-org/packages/container/tools%2Fapp/settings')
  })

  it('checks nothing for a source on another host', () => {
    expect(linkWarnings({ ownerKind: 'orgs' }, pkg, 'https://gitlab.com/o/r', 'https://github.com')).toEqual(
      []
    )
    expect(sourceRepository('https://ghes.example.com/a/b.git', 'https://ghes.example.com')).toBe('a/b')
  })
})

describe('validateCleanup', () => {
  it('refuses cleanup with push: false or push-by-digest, naming the input', () => {
    expect(() => validateCleanup({ cleanup: 'true', push: 'false', pushByDigest: false })).toThrow(
      /cleanup.*push: false/
    )
    expect(() => validateCleanup({ cleanup: 'dry-run', push: 'auto', pushByDigest: true })).toThrow(
      /push-by-digest/
    )
    expect(() => validateCleanup({ cleanup: 'false', push: 'false', pushByDigest: true })).not.toThrow()
    expect(() => validateCleanup({ cleanup: 'true', push: 'auto', pushByDigest: false })).not.toThrow()
  })
})

describe('cleanup in the report', () => {
  const base: RunReport = {
    images: ['ghcr.io/o/app'],
    platforms: [],
    builder: 'buildah',
    pushed: true,
    version: '',
    tags: [],
    tagNames: [],
    labels: {},
    annotations: [],
    json: {},
    digest: 'sha256:' + '1'.repeat(64),
    imageId: '',
    refs: [],
    platformDigests: {},
    packageUrl: '',
    warnings: []
  }
  const old = 'sha256:' + 'a'.repeat(64)
  const popular = 'sha256:' + 'b'.repeat(64)

  it('the deleted output lists image@digest; the summary shows deleted and kept digests', () => {
    const r: RunReport = {
      ...base,
      packageVisibility: 'public',
      cleanup: [
        {
          image: 'ghcr.io/o/app',
          dryRun: false,
          deleted: [old],
          skipped: [{ digest: popular, reason: 'GitHub keeps versions with more than 5,000 downloads' }]
        }
      ]
    }
    const out = buildOutputs(r)
    expect(out.deleted).toBe(`ghcr.io/o/app@${old}`)
    expect(out['package-visibility']).toBe('public')
    const md = summaryMarkdown(r)
    expect(md).toContain('**Cleanup**')
    expect(md).toContain(`| \`ghcr.io/o/app\` | \`${old}\` | deleted |`)
    expect(md).toContain('kept: GitHub keeps versions with more than 5,000 downloads')
  })

  it('a dry run says what would be deleted', () => {
    const md = summaryMarkdown({
      ...base,
      cleanup: [{ image: 'ghcr.io/o/app', dryRun: true, deleted: [old], skipped: [] }]
    })
    expect(md).toContain('**Cleanup (dry run)**')
    expect(md).toContain('would delete')
  })

  it('no cleanup, no section', () => {
    expect(summaryMarkdown(base)).not.toContain('Cleanup')
    expect(buildOutputs(base).deleted).toBe('')
  })
})
