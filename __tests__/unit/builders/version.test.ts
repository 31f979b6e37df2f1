import { describe, expect, it } from '@jest/globals'
import { extractVersion, versionAtLeast } from '../../../src/builders/version.js'

describe('versions', () => {
  it('finds the version in tool output', () => {
    expect(extractVersion('Docker version 28.2.2, build e6534b4')).toBe('28.2.2')
    expect(extractVersion('github.com/docker/buildx v0.24.0 d0e5e86')).toBe('0.24.0')
    expect(extractVersion('Docker version 20.10.24+dfsg1, build 297e128')).toBe('20.10.24')
    expect(extractVersion('no version here')).toBeUndefined()
  })
  it('compares numerically, with a bare major as the minimum', () => {
    expect(versionAtLeast('20.10.24', '23')).toBe(false)
    expect(versionAtLeast('23.0.0', '23')).toBe(true)
    expect(versionAtLeast('1.28.2', '1.24')).toBe(true)
    expect(versionAtLeast('1.9.0', '1.24')).toBe(false)
    expect(versionAtLeast('0.10.0', '0.10')).toBe(true)
  })
})
