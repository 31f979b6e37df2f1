import { describe, expect, it } from '@jest/globals'
import { listTags, nextLink } from '../../../src/registry/lifecycle.js'
import type { ManifestTarget } from '../../../src/registry/manifests.js'
import type { Call, RegistrySession } from '../../../src/registry/transport/session.js'

/** A session that answers tag list pages from `pages` (by `last`), recording the targets asked. */
function pagedSession(pages: Record<string, { tags: string[]; next?: string }>) {
  const asked: string[] = []
  const session = {
    registry: 'registry.test',
    call: async (c: Call) => {
      const url = new URL(c.target.toString(), 'https://registry.test')
      asked.push(url.pathname + url.search)
      const page = pages[url.searchParams.get('last') ?? '']
      if (!page) return { status: 404, headers: {}, body: Buffer.from('{}'), url }
      const headers = page.next ? { link: `<${page.next}>; rel="next"` } : {}
      return { status: 200, headers, body: Buffer.from(JSON.stringify({ tags: page.tags })), url }
    }
  }
  const target: ManifestTarget = {
    session: session as unknown as RegistrySession,
    repository: 'o/r',
    scopes: () => [],
    push: false
  }
  return { target, asked }
}

describe('listTags', () => {
  it('follows Link rel="next" until the last page', async () => {
    const { target, asked } = pagedSession({
      '': { tags: ['a', 'b'], next: '/v2/o/r/tags/list?n=2&last=b' },
      b: { tags: ['c', 'd'], next: '/v2/o/r/tags/list?n=2&last=d' },
      d: { tags: ['e'] }
    })
    expect(await listTags(target, 2)).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(asked).toEqual([
      '/v2/o/r/tags/list?n=2',
      '/v2/o/r/tags/list?n=2&last=b',
      '/v2/o/r/tags/list?n=2&last=d'
    ])
  })

  it('a repository the registry does not know has no tags', async () => {
    const { target } = pagedSession({})
    expect(await listTags(target)).toEqual([])
  })
})

describe('nextLink', () => {
  it('finds rel="next" among several links, quoted or not', () => {
    expect(nextLink('<https://x/prev>; rel="prev", </v2/o/r/tags/list?last=b>; rel="next"')).toBe(
      '/v2/o/r/tags/list?last=b'
    )
    expect(nextLink('</p2>; rel=next')).toBe('/p2')
    expect(nextLink(undefined)).toBeUndefined()
  })
})
