import { describe, expect, it } from '@jest/globals'
import {
  checkDeclaredPlatform,
  checkDistinctPlatforms,
  parseDigestLines
} from '../../../src/publish/digests.js'
import { imageManifestOf, platformOfConfig } from '../../../src/publish/merge.js'
import { canonicalPlatform, DOCKER_MANIFEST, OCI_INDEX, OCI_MANIFEST } from '../../../src/registry/index.js'
import { InputError } from '../../../src/inputs/errors.js'
import { asUsageError } from '../../../src/cli/errors.js'

const A = 'sha256:' + 'a'.repeat(64)
const B = 'sha256:' + 'b'.repeat(64)
const C = 'sha256:' + 'c'.repeat(64)

describe('parseDigestLines', () => {
  it('reads bare digests and platform=digest lines, normalising the platform', () => {
    expect(parseDigestLines([A, 'linux/aarch64=' + B, ' linux/arm = ' + C])).toEqual([
      { digest: A },
      { digest: B, platform: 'linux/arm64' },
      { digest: C, platform: 'linux/arm/v7' }
    ])
  })

  it.each([
    ['a short digest', 'sha256:abc', /input 'digests': 'sha256:abc' is not a digest line/],
    ['another algorithm', 'sha512:' + 'a'.repeat(128), /is not a digest line/],
    ['an image reference', `ghcr.io/o/a@${A}`, /is not a digest line/],
    ['upper-case hex', 'sha256:' + 'A'.repeat(64), /is not a digest line/],
    ['an empty platform', `=${A}`, /input 'digests': in '=sha256:a+'.*not a platform/],
    [
      'an unknown architecture',
      `linux/z80=${A}`,
      /input 'digests': in 'linux\/z80=.*unknown architecture 'z80'/
    ]
  ])('rejects %s, naming the input and the line', (_name, line, message) => {
    expect(() => parseDigestLines([line])).toThrow(message)
  })

  it('rejects a digest listed twice', () => {
    expect(() => parseDigestLines([A, `linux/amd64=${A}`])).toThrow(`input 'digests': ${A} is listed twice`)
  })
})

describe('checkDeclaredPlatform', () => {
  it('accepts the platform the config says, with OCI defaults (arm64 is v8)', () => {
    expect(() =>
      checkDeclaredPlatform(
        { digest: A, platform: 'linux/arm64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' }
      )
    ).not.toThrow()
    expect(() => checkDeclaredPlatform({ digest: A }, { os: 'linux', architecture: 's390x' })).not.toThrow()
  })

  it('rejects a line whose platform is not the image config’s', () => {
    expect(() =>
      checkDeclaredPlatform({ digest: A, platform: 'linux/arm64' }, { os: 'linux', architecture: 'amd64' })
    ).toThrow(`${A} was listed as linux/arm64, but its image config says linux/amd64`)
    expect(() =>
      checkDeclaredPlatform({ digest: A, platform: 'linux/arm/v6' }, { os: 'linux', architecture: 'arm' })
    ).toThrow(/listed as linux\/arm\/v6, but its image config says linux\/arm$/)
  })
})

describe('checkDistinctPlatforms', () => {
  it('accepts one image per platform', () => {
    expect(() =>
      checkDistinctPlatforms([
        { digest: A, platform: { os: 'linux', architecture: 'amd64' } },
        { digest: B, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
        { digest: C, platform: { os: 'linux', architecture: 'arm' } }
      ])
    ).not.toThrow()
  })

  it('names the platform and both digests when two images share it, even spelled differently', () => {
    expect(() =>
      checkDistinctPlatforms([
        { digest: A, platform: { os: 'linux', architecture: 'arm64' } },
        { digest: B, platform: { os: 'linux', architecture: 'amd64' } },
        { digest: C, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } }
      ])
    ).toThrow(`more than one image for the same platform: linux/arm64 (${A}, ${C})`)
  })

  it('canonicalises platforms as the build does, and keeps unknown ones as they are', () => {
    expect(canonicalPlatform({ os: 'linux', architecture: 'arm' })).toBe('linux/arm/v7')
    expect(canonicalPlatform({ os: 'linux', architecture: 'amd64', variant: 'v1' })).toBe('linux/amd64')
    expect(canonicalPlatform({ os: 'plan9', architecture: 'amd64' })).toBe('plan9/amd64')
  })
})

describe('imageManifestOf', () => {
  const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: A, size: 2 }
  const body = (value: unknown) => Buffer.from(JSON.stringify(value))

  it('accepts OCI and Docker v2 image manifests', () => {
    const oci = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers: [] }
    expect(imageManifestOf(body(oci), OCI_MANIFEST, B).config.digest).toBe(A)
    const docker = {
      ...oci,
      mediaType: DOCKER_MANIFEST,
      config: { ...config, mediaType: 'application/vnd.docker.container.image.v1+json' }
    }
    expect(imageManifestOf(body(docker), DOCKER_MANIFEST, B).layers).toEqual([])
  })

  it('rejects an index, an artifact and a malformed manifest, naming the digest', () => {
    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] }
    expect(() => imageManifestOf(body(index), OCI_INDEX, B)).toThrow(
      `input 'digests': ${B} is a ${OCI_INDEX}, not an image manifest`
    )
    const artifact = {
      schemaVersion: 2,
      config: { ...config, mediaType: 'application/vnd.in-toto+json' },
      layers: []
    }
    expect(() => imageManifestOf(body(artifact), OCI_MANIFEST, B)).toThrow(
      /is an artifact \(config application\/vnd\.in-toto\+json\)/
    )
    expect(() => imageManifestOf(body({ schemaVersion: 2 }), OCI_MANIFEST, B)).toThrow(
      /manifest sha256:b{64}: config must be an object/
    )
  })
})

describe('platformOfConfig', () => {
  it('reads os, architecture and variant', () => {
    const config = Buffer.from(
      JSON.stringify({ os: 'linux', architecture: 'arm', variant: 'v7', rootfs: {} })
    )
    expect(platformOfConfig(config, A)).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' })
    expect(platformOfConfig(Buffer.from('{"os":"linux","architecture":"amd64","variant":""}'), A)).toEqual({
      os: 'linux',
      architecture: 'amd64'
    })
  })

  it('rejects a config without a platform', () => {
    expect(() => platformOfConfig(Buffer.from('{"os":"linux"}'), A)).toThrow(
      `the image config of ${A} names no os/architecture`
    )
  })
})

describe('errors about the digests input', () => {
  const caught = (fn: () => unknown): unknown => {
    try {
      fn()
    } catch (error) {
      return error
    }
    throw new Error('expected a throw')
  }
  const arm64 = { os: 'linux', architecture: 'arm64' }
  const failures: [string, () => unknown][] = [
    ['a declared platform', () => checkDeclaredPlatform({ digest: A, platform: 'linux/amd64' }, arm64)],
    [
      'a platform twice',
      () =>
        checkDistinctPlatforms([
          { digest: A, platform: arm64 },
          { digest: B, platform: arm64 }
        ])
    ],
    ['an index', () => imageManifestOf(Buffer.from('{}'), OCI_INDEX, A)],
    ['a config without platform', () => platformOfConfig(Buffer.from('{}'), A)]
  ]
  it.each(failures)('are InputErrors the CLI names as --digest: %s', (_, fn) => {
    const error = caught(fn)
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).input).toBe('digests')
    expect(asUsageError(error)?.message).toMatch(/^--digest: (sha256|more than one image|the image config)/)
  })
})
