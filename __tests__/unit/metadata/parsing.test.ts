import { describe, expect, it } from '@jest/globals'
import { InputError } from '../../../src/inputs/errors.js'
import { entryFields, readInputList, splitAttribute } from '../../../src/metadata/csv.js'
import { parseFlavor } from '../../../src/metadata/flavor.js'
import { parseImages } from '../../../src/metadata/images.js'
import { DEFAULT_TAG_ENTRIES, parseTagRule, parseTagRules } from '../../../src/metadata/tag-rules.js'

describe('readInputList', () => {
  it('drops blank lines and lines starting with #, keeps # inside a line', () => {
    expect(readInputList('tags', ['a', '', '  ', '# note', 'b#c'])).toEqual(['a', 'b#c'])
  })
  it('re-joins CSV fields with commas, losing the quotes and a quoted comma', () => {
    expect(readInputList('tags', ['type=match,"pattern=\\d{1,3}"'])).toEqual(['type=match,pattern=\\d{1,3}'])
  })
  it('reports an unclosed quote as an InputError naming the input', () => {
    expect(() => readInputList('labels', ['"oops'])).toThrow("input 'labels': cannot read the list as CSV")
  })
})

describe('entryFields and splitAttribute', () => {
  it('splits an entry into CSV fields', () => {
    expect(entryFields('tags', 'type=raw,value=a b')).toEqual(['type=raw', 'value=a b'])
  })
  it('fails on a stray quote with the entry named', () => {
    expect(() => entryFields('tags', 'value=a"b')).toThrow("input 'tags': cannot read 'value=a\"b' as CSV")
  })
  it('splits at the first =, lowercases and trims the key', () => {
    expect(splitAttribute(' Value = a=b ')).toEqual({ key: 'value', value: 'a=b' })
    expect(splitAttribute('novalue')).toBeUndefined()
    expect(splitAttribute('=x')).toBeUndefined()
  })
})

describe('tag rules', () => {
  it('uses the default rules when tags is empty', () => {
    expect(parseTagRules([]).map(rule => rule.entry)).toEqual(DEFAULT_TAG_ENTRIES)
  })
  it('fills each type default', () => {
    expect(parseTagRule('type=schedule').attrs.pattern).toBe('nightly')
    expect(parseTagRule('type=sha').attrs).toMatchObject({ prefix: 'sha-', format: 'short', enable: 'true' })
    expect(parseTagRule('type=ref,event=pr').attrs.prefix).toBe('pr-')
    expect(parseTagRule('type=ref,event=branch').attrs.prefix).toBeUndefined()
    expect(parseTagRule('type=match,pattern=x').attrs).toMatchObject({ group: '0', value: '' })
    expect(parseTagRule('type=semver,pattern=x').attrs).toMatchObject({ value: '', match: '' })
    expect(parseTagRule('type=edge').attrs.branch).toBe('')
  })
  it('reads a field without = as the value and defaults the type to raw', () => {
    expect(parseTagRule('foo')).toMatchObject({ type: 'raw', attrs: { value: 'foo' }, priority: 200 })
  })
  it('keeps a given prefix, even empty', () => {
    expect(parseTagRule('type=sha,prefix=').attrs.prefix).toBe('')
  })
  it('sorts by priority, highest first, stable for ties', () => {
    const order = parseTagRules([
      'type=sha',
      'type=raw,value=a',
      'type=schedule',
      'type=raw,value=b',
      'c,priority=5000'
    ])
    expect(order.map(rule => rule.entry)).toEqual([
      'c,priority=5000',
      'type=schedule',
      'type=raw,value=a',
      'type=raw,value=b',
      'type=sha'
    ])
  })
  it('is case-sensitive on the type value, like metadata-action', () => {
    expect(() => parseTagRule('type=Semver,pattern=x')).toThrow(InputError)
  })
})

describe('flavor', () => {
  it('defaults to latest=auto and no affixes', () => {
    expect(parseFlavor([])).toEqual({
      latest: 'auto',
      prefix: '',
      suffix: '',
      prefixOnLatest: false,
      suffixOnLatest: false
    })
  })
  it('applies onlatest to the prefix or suffix before it on the same line', () => {
    expect(parseFlavor(['prefix=a-,onlatest=true,suffix=-b', 'latest=false'])).toEqual({
      latest: 'false',
      prefix: 'a-',
      suffix: '-b',
      prefixOnLatest: true,
      suffixOnLatest: false
    })
  })
  it('cuts a value at a second =, as metadata-action does', () => {
    expect(parseFlavor(['prefix=a=b']).prefix).toBe('a')
  })
  it('rejects a bad onlatest value', () => {
    expect(() => parseFlavor(['prefix=a,onlatest=yes'])).toThrow(
      "input 'flavor': onlatest must be true, false, got 'yes'"
    )
  })
})

describe('images', () => {
  it('reads a single legacy line as a comma list, skipping empty names', () => {
    expect(parseImages(['a/b, c/d,']).map(image => image.name)).toEqual(['a/b', 'c/d'])
  })
  it('reads name= and enable= lines; a bare field is the name', () => {
    expect(
      parseImages(['name=a/b,enable=false', 'c/d']).map(({ name, enable }) => ({ name, enable }))
    ).toEqual([
      { name: 'a/b', enable: false },
      { name: 'c/d', enable: true }
    ])
  })
  it('rejects an entry without a name', () => {
    expect(() => parseImages(['enable=true'])).toThrow("input 'images': empty image name in 'enable=true'")
  })
})
