import { describe, expect, it } from '@jest/globals'
import { CYCLONEDX_PREDICATE_TYPE, sbomPredicateType } from '../../../src/sbom/predicate.js'
import {
  syftAssetName,
  syftAssetUrl,
  syftChecksumsName,
  syftReleasePlatform
} from '../../../src/sbom/release.js'
import { syftArgs } from '../../../src/sbom/generate.js'

describe('syft release assets', () => {
  it('maps Node platforms to the tar.gz archives syft publishes', () => {
    expect(syftReleasePlatform('linux', 'x64')).toBe('linux_amd64')
    expect(syftReleasePlatform('linux', 'arm64')).toBe('linux_arm64')
    expect(syftReleasePlatform('linux', 'ppc64')).toBe('linux_ppc64le')
    expect(syftReleasePlatform('darwin', 'arm64')).toBe('darwin_arm64')
  })

  it('has none for Windows (zips only), 32-bit arm, or darwin on other arches', () => {
    expect(syftReleasePlatform('win32', 'x64')).toBeUndefined()
    expect(syftReleasePlatform('linux', 'arm')).toBeUndefined()
    expect(syftReleasePlatform('linux', 'ia32')).toBeUndefined()
    expect(syftReleasePlatform('darwin', 's390x')).toBeUndefined()
  })

  it('names the archive and checksums as the release page does', () => {
    expect(syftAssetName('1.57.1', 'linux_amd64')).toBe('syft_1.57.1_linux_amd64.tar.gz')
    expect(syftChecksumsName('1.57.1')).toBe('syft_1.57.1_checksums.txt')
    expect(syftAssetUrl('https://github.com/anchore/syft/releases/download/', '1.57.1', 'x')).toBe(
      'https://github.com/anchore/syft/releases/download/v1.57.1/x'
    )
  })
})

describe('sbomPredicateType', () => {
  it('takes the SPDX version from the document', () => {
    expect(sbomPredicateType('spdx-json', { spdxVersion: 'SPDX-2.3' })).toBe('https://spdx.dev/Document/v2.3')
    expect(sbomPredicateType('spdx-json', { spdxVersion: 'SPDX-2.2' })).toBe('https://spdx.dev/Document/v2.2')
  })

  it('is the CycloneDX bom type for CycloneDX', () => {
    expect(sbomPredicateType('cyclonedx-json', { bomFormat: 'CycloneDX', specVersion: '1.6' })).toBe(
      CYCLONEDX_PREDICATE_TYPE
    )
  })

  it('refuses a document that is not the format asked for', () => {
    expect(() => sbomPredicateType('spdx-json', { bomFormat: 'CycloneDX' })).toThrow(
      'the scanner wrote no SPDX document (spdxVersion is undefined)'
    )
    expect(() => sbomPredicateType('cyclonedx-json', { spdxVersion: 'SPDX-2.3' })).toThrow(
      'no CycloneDX document'
    )
    expect(() => sbomPredicateType('spdx-json', null)).toThrow('no SPDX document')
  })
})

describe('syftArgs', () => {
  const scanner = { path: 'syft', version: '1.57.1', format: 'cyclonedx-json' as const, source: '' }
  it('scans the view as an OCI directory into the file, quietly, naming the source when given', () => {
    expect(syftArgs('/v', '/v/out.json', scanner, 'ghcr.io/o/app')).toEqual([
      'scan',
      'oci-dir:/v',
      '-o',
      'cyclonedx-json=/v/out.json',
      '--quiet',
      '--source-name',
      'ghcr.io/o/app'
    ])
    expect(syftArgs('/v', '/o', scanner)).not.toContain('--source-name')
  })
})
