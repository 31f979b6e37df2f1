import { describe, expect, it } from '@jest/globals'
import {
  DEFAULT_BUILDX_DOWNLOAD_URL,
  MINIMUM_BUILDX_VERSION,
  PINNED_BUILDX_VERSION,
  buildxAssetName,
  buildxAssetUrl,
  normalizeBuildxVersion,
  normalizeDownloadUrl,
  parseChecksums,
  pinnedChecksum,
  releasePlatform
} from '../../../src/builders/buildx/release.js'
import { versionAtLeast } from '../../../src/builders/version.js'
import { InputError } from '../../../src/inputs/errors.js'
import { buildxRelease } from '../../../src/inputs/validate.js'

describe('buildx release assets', () => {
  it.each([
    ['linux', 'x64', 'linux-amd64'],
    ['linux', 'arm64', 'linux-arm64'],
    ['linux', 'arm', 'linux-arm-v7'],
    ['linux', 'ppc64', 'linux-ppc64le'],
    ['linux', 'riscv64', 'linux-riscv64'],
    ['linux', 's390x', 'linux-s390x'],
    ['darwin', 'arm64', 'darwin-arm64'],
    ['win32', 'x64', 'windows-amd64']
  ])('%s/%s is released as %s', (platform, arch, expected) => {
    expect(releasePlatform(platform, arch)).toBe(expected)
  })
  it('refuses a platform buildx has no release for', () => {
    expect(() => releasePlatform('aix', 'ppc64')).toThrow('buildx publishes no release for aix/ppc64')
    expect(() => releasePlatform('linux', 'mips')).toThrow('install the docker buildx plugin yourself')
  })
  it('names assets as the release page does', () => {
    expect(buildxAssetName('0.35.0', 'linux-amd64')).toBe('buildx-v0.35.0.linux-amd64')
    expect(buildxAssetName('0.35.0', 'linux-arm-v7')).toBe('buildx-v0.35.0.linux-arm-v7')
    expect(buildxAssetName('0.35.0', 'windows-amd64')).toBe('buildx-v0.35.0.windows-amd64.exe')
  })
  it('puts the asset under v<version> of the base URL', () => {
    expect(buildxAssetUrl(DEFAULT_BUILDX_DOWNLOAD_URL, '0.35.0', 'buildx-v0.35.0.linux-amd64')).toBe(
      'https://github.com/docker/buildx/releases/download/v0.35.0/buildx-v0.35.0.linux-amd64'
    )
    expect(buildxAssetUrl('http://127.0.0.1:8080/mirror//', '1.2.3', 'checksums.txt')).toBe(
      'http://127.0.0.1:8080/mirror/v1.2.3/checksums.txt'
    )
  })
  it('pins the sha256 of the pinned version on Linux only', () => {
    expect(pinnedChecksum(PINNED_BUILDX_VERSION, 'linux-amd64')).toBe(
      'd41ece72044243b4f58b343441ae37446d9c29a7d6b5e11c61847bbcf8f7dfda'
    )
    expect(pinnedChecksum(PINNED_BUILDX_VERSION, 'linux-s390x')).toBe(
      'ef1738f3c70166e968d1bca3f853dbc515a3aa7ffa82f1a2ded033a050cd3203'
    )
    expect(pinnedChecksum(PINNED_BUILDX_VERSION, 'darwin-arm64')).toBeUndefined()
    expect(pinnedChecksum('0.34.0', 'linux-amd64')).toBeUndefined()
  })
})

describe('parseChecksums', () => {
  it('reads sha256sum lines, text and binary mode, and skips anything else', () => {
    const a = 'a'.repeat(64)
    const b = 'B'.repeat(64)
    const sums = parseChecksums(
      `${a}  buildx-v1.0.0.linux-amd64\r\n\n${b} *buildx-v1.0.0.windows-amd64.exe\nnot a line\n${'c'.repeat(63)}  short\n`
    )
    expect([...sums]).toEqual([
      ['buildx-v1.0.0.linux-amd64', a],
      ['buildx-v1.0.0.windows-amd64.exe', 'b'.repeat(64)]
    ])
  })
})

describe('buildx-version and buildx-download-url', () => {
  it('defaults to the pin and GitHub releases', () => {
    expect(normalizeBuildxVersion('')).toBe(PINNED_BUILDX_VERSION)
    expect(normalizeDownloadUrl(' ')).toBe(DEFAULT_BUILDX_DOWNLOAD_URL)
  })
  it('takes an exact version with or without v', () => {
    expect(normalizeBuildxVersion('v0.30.1')).toBe('0.30.1')
    expect(normalizeBuildxVersion('0.31.0-rc1')).toBe('0.31.0-rc1')
  })
  it.each(['latest', '0.30', '>=0.12', 'v1'])('refuses %s as an InputError naming the input', value => {
    const error = (() => {
      try {
        buildxRelease({ buildxVersion: value, buildxDownloadUrl: '' })
      } catch (err) {
        return err
      }
    })()
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).input).toBe('buildx-version')
    expect((error as Error).message).toContain("'latest' and ranges are not supported")
  })
  it('takes an http(s) mirror without its trailing slash, and refuses anything else', () => {
    expect(buildxRelease({ buildxVersion: '', buildxDownloadUrl: 'https://mirror.example/buildx/' })).toEqual(
      {
        version: PINNED_BUILDX_VERSION,
        downloadUrl: 'https://mirror.example/buildx'
      }
    )
    expect(() => buildxRelease({ buildxVersion: '', buildxDownloadUrl: 'ftp://mirror' })).toThrow(
      "input 'buildx-download-url': 'ftp://mirror' is not an http(s) URL"
    )
    expect(() => buildxRelease({ buildxVersion: '', buildxDownloadUrl: 'mirror' })).toThrow(InputError)
  })
})

describe('the minimum buildx', () => {
  it.each([
    ['0.11.2', false],
    ['0.9.1', false],
    ['0.12.0', true],
    ['0.12.1', true],
    ['0.35.0', true],
    ['1.0.0', true]
  ])('%s is recent enough: %s', (version, ok) => {
    expect(versionAtLeast(version, MINIMUM_BUILDX_VERSION)).toBe(ok)
  })
})
