import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../../src/inputs/errors.js'
import { parseReference } from '../../../src/registry/index.js'
import { brokenTagRule, checkTag } from '../../../src/metadata/tag-grammar.js'

describe('brokenTagRule (OCI tag grammar)', () => {
  it.each([
    ['', 'a tag cannot be empty'],
    ['.x', "a tag cannot start with '.'"],
    ['-x', "a tag cannot start with '-'"],
    ['a:b', "':' is not allowed: only letters, digits, '_', '.' and '-'"],
    ['é', "'é' is not allowed"],
    ['a'.repeat(129), 'a tag has at most 128 characters, this one has 129']
  ])('%j breaks: %s', (tag, rule) => {
    expect(brokenTagRule(tag)).toContain(rule)
  })
  it.each(['_x', 'X.y-z_1', 'a'.repeat(128), '1', 'latest'])('%j is a tag', tag => {
    expect(brokenTagRule(tag)).toBeUndefined()
  })
  it('agrees with the registry client on every case above', () => {
    const cases = ['.x', '-x', 'a:b', 'é', 'a'.repeat(129), '_x', 'X.y-z_1', 'a'.repeat(128)]
    for (const tag of cases) {
      const parses = (() => {
        try {
          parseReference(`127.0.0.1:5000/app:${tag}`)
          return true
        } catch {
          return false
        }
      })()
      expect([tag, parses]).toEqual([tag, brokenTagRule(tag) === undefined])
    }
  })
})

describe('checkTag', () => {
  it('names the input, the tag, what produced it and the rule broken', () => {
    const err = (() => {
      try {
        checkTag('-x', { input: 'tags', description: "tags 'type=raw,value=-x'" })
      } catch (e) {
        return e as InputError
      }
      return undefined
    })()
    expect(err).toBeInstanceOf(InputError)
    expect(err?.input).toBe('tags')
    expect(err?.message).toBe(
      "input 'tags': tag '-x' (from tags 'type=raw,value=-x') is not a valid tag: a tag cannot start with '-' " +
        '(tag grammar [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}); change that rule, or its prefix/suffix, so the tag fits'
    )
  })
})
