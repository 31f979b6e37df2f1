import { describe, expect, it } from '@jest/globals'
import { normalizePlatform, parsePlatforms } from '../../../src/builders/index.js'
import { samePlatform } from '../../../src/registry/index.js'
import { InputError } from '../../../src/inputs/errors.js'

describe('parsePlatforms', () => {
  it('splits lines and commas, normalises aliases and drops duplicates', () => {
    expect(parsePlatforms(['linux/amd64,linux/arm64', ' linux/aarch64 ', '', 'linux/x86_64'])).toEqual([
      'linux/amd64',
      'linux/arm64'
    ])
  })
  it('applies the OCI variant conventions', () => {
    expect(normalizePlatform('linux/arm')).toBe('linux/arm/v7')
    expect(normalizePlatform('linux/arm/v6')).toBe('linux/arm/v6')
    expect(normalizePlatform('linux/arm64/v8')).toBe('linux/arm64')
    expect(normalizePlatform('Linux/AMD64')).toBe('linux/amd64')
  })
  it.each([
    'linux',
    'linux/',
    'amd64',
    'linux/amd64/v3/x',
    'linux/sparc',
    'plan9/amd64',
    'linux/arm/7',
    'linux//amd64'
  ])('rejects %p naming the input', entry => {
    let caught: unknown
    try {
      parsePlatforms([entry])
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(InputError)
    expect((caught as InputError).input).toBe('platforms')
    expect((caught as Error).message).toContain('os/arch[/variant]')
  })
  it('matches an image platform against a request whatever the variant spelling', () => {
    expect(
      samePlatform(
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
        { os: 'linux', architecture: 'arm64' }
      )
    ).toBe(true)
    expect(
      samePlatform({ os: 'linux', architecture: 'arm' }, { os: 'linux', architecture: 'arm', variant: 'v7' })
    ).toBe(true)
    expect(
      samePlatform({ os: 'linux', architecture: 'arm', variant: 'v6' }, { os: 'linux', architecture: 'arm' })
    ).toBe(false)
  })
})
