import { describe, expect, it } from '@jest/globals'
import { cutAtWordBoundary, cutLicenses, isSpdxExpression } from '../../../src/metadata/ghcr.js'
import { normalizeImageName } from '../../../src/metadata/image-names.js'
import { parseReference, splitDomain as splitImageName } from '../../../src/registry/index.js'

describe('image names', () => {
  it('splits a host only when the first part looks like one', () => {
    expect(splitImageName('ghcr.io/a/b')).toEqual({ domain: 'ghcr.io', path: 'a/b' })
    expect(splitImageName('localhost/a')).toEqual({ domain: 'localhost', path: 'a' })
    expect(splitImageName('user/app')).toEqual({ domain: undefined, path: 'user/app' })
  })
  it('accepts every host the registry client accepts (one grammar: registry/name)', () => {
    expect(normalizeImageName('[::ffff:127.0.0.1]:5000/a/b', 'x', [])).toBe('[::ffff:127.0.0.1]:5000/a/b')
    expect(parseReference('[::ffff:127.0.0.1]:5000/a/b').registry).toBe('[::ffff:127.0.0.1]:5000')
  })
  it('lowercases with one warning and leaves lowercase names alone', () => {
    const warnings: string[] = []
    expect(normalizeImageName('GHCR.io/Acme-Corp/App', 'x', warnings)).toBe('ghcr.io/acme-corp/app')
    expect(normalizeImageName('ghcr.io/acme/app', 'y', warnings)).toBe('ghcr.io/acme/app')
    expect(warnings).toEqual([
      "image 'GHCR.io/Acme-Corp/App' lowercased to 'ghcr.io/acme-corp/app': registries only accept lowercase repository names"
    ])
  })
  it.each([
    ['user/app@sha256:abc', 'no tag or digest'],
    ['user/-app', "'-app' is not a valid repository path component"],
    ['user//app', "'' is not a valid repository path component"],
    ['my_host.io:port/app', 'is not a valid registry host']
  ])('rejects %s', (name, message) => {
    expect(() => normalizeImageName(name, name, [])).toThrow(message)
  })
  it('explains the legacy docker.pkg.github.com shape', () => {
    expect(() => normalizeImageName('docker.pkg.github.com/o/r/i/x', 'line', [])).toThrow(
      "input 'images': docker.pkg.github.com needs docker.pkg.github.com/OWNER/REPOSITORY/IMAGE_NAME, got 'docker.pkg.github.com/o/r/i/x' in 'line'"
    )
  })
  it('accepts separators the reference grammar allows', () => {
    expect(normalizeImageName('reg.example.com:5000/a__b/c.d/e---f', 'l', [])).toBe(
      'reg.example.com:5000/a__b/c.d/e---f'
    )
  })
})

describe('GHCR limits', () => {
  it('cuts at the last word boundary within the limit', () => {
    expect(cutAtWordBoundary('hello world again', 12)).toBe('hello world')
    expect(cutAtWordBoundary('hello world', 11)).toBe('hello world')
  })
  it('cuts hard when there is no boundary', () => {
    expect(cutAtWordBoundary('abcdefghij', 4)).toBe('abcd')
  })
  it('counts characters, not UTF-16 units', () => {
    expect(cutAtWordBoundary('😀😀 😀😀', 3)).toBe('😀😀')
  })
  it('validates SPDX expressions with a real parser', () => {
    expect(isSpdxExpression('(MIT AND BSD-3-Clause) OR GPL-2.0-or-later WITH Classpath-exception-2.0')).toBe(
      true
    )
    expect(isSpdxExpression('LicenseRef-Acme')).toBe(true)
    expect(isSpdxExpression('NOASSERTION')).toBe(false)
    expect(isSpdxExpression('MIT OR')).toBe(false)
  })
  it('shortens a license expression to one that still parses', () => {
    expect(cutLicenses('MIT OR Apache-2.0 OR BSD-3-Clause', 24)).toBe('MIT OR Apache-2.0')
    expect(cutLicenses('(MIT OR Apache-2.0)', 10)).toBe('')
  })
})
