import { describe, expect, it } from '@jest/globals'
import {
  canonicalPlatform,
  declaredMediaType,
  DocumentError,
  DOCKER_CONFIG,
  DOCKER_FOREIGN_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  formatPlatform,
  InvalidPlatformError,
  isDistributable,
  isImage,
  isImageConfig,
  isIndex,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  parseDockerArchiveManifest,
  parseDockerConfig,
  parseImageConfig,
  parseImageIndex,
  parseImageManifest,
  parseLayoutMarker,
  parsePlatform,
  platformOnly
} from '../../../src/registry/index.js'

const A = `sha256:${'a'.repeat(64)}`
const desc = (extra: object = {}) => ({ mediaType: OCI_LAYER_GZIP, digest: A, size: 3, ...extra })
const manifest = (extra: object = {}) =>
  JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: desc({ mediaType: OCI_CONFIG }),
    layers: [desc()],
    ...extra
  })
const index = (manifests: unknown) => JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests })

function failure(parse: () => unknown): DocumentError {
  try {
    parse()
  } catch (error) {
    if (error instanceof DocumentError) return error
    throw error
  }
  throw new Error('expected a DocumentError')
}

describe('parseImageManifest', () => {
  it('returns the manifest with the fields it does not check kept', () => {
    const parsed = parseImageManifest(manifest({ subject: desc(), 'x-extra': 1 }), 'm')
    expect(parsed.layers[0]?.digest).toBe(A)
    expect((parsed as unknown as Record<string, unknown>)['x-extra']).toBe(1)
  })

  it.each([
    ['not JSON', '{', '', 'm is not valid JSON'],
    ['an array', '[]', '', 'm must be an object'],
    [
      'schema 1',
      manifest({ schemaVersion: 1 }),
      'schemaVersion',
      'm: schemaVersion is 1; only 2 is supported'
    ],
    ['no config', manifest({ config: undefined }), 'config', 'm: config must be an object'],
    ['layers not a list', manifest({ layers: {} }), 'layers', 'm: layers must be an array'],
    [
      'a bad digest',
      manifest({ layers: [desc(), desc({ digest: 'sha256:xyz' })] }),
      'layers[1].digest',
      'is not a digest'
    ],
    [
      'a negative size',
      manifest({ layers: [desc({ size: -1 })] }),
      'layers[0].size',
      'must be a size in bytes'
    ],
    ['a size as text', manifest({ config: desc({ size: '3' }) }), 'config.size', 'must be a number'],
    [
      'no media type',
      manifest({ layers: [desc({ mediaType: undefined })] }),
      'layers[0].mediaType',
      'must be a string'
    ],
    ['a numeric annotation', manifest({ annotations: { a: 1 } }), 'annotations.a', 'must be a string']
  ])('rejects %s, naming the document and field', (_, text, field, message) => {
    const error = failure(() => parseImageManifest(text, 'm'))
    expect(error.document).toBe('m')
    expect(error.field).toBe(field)
    expect(error.message).toContain(message)
  })
})

describe('parseImageIndex', () => {
  it('accepts an index with platforms', () => {
    const parsed = parseImageIndex(
      index([desc({ mediaType: OCI_MANIFEST, platform: { os: 'linux', architecture: 'arm64' } })]),
      'i'
    )
    expect(parsed.manifests[0]?.platform).toEqual({ os: 'linux', architecture: 'arm64' })
  })
  it('names the field of a platform without an os, and a missing manifests list', () => {
    const noOs = index([desc({ platform: { architecture: 'amd64' } })])
    expect(failure(() => parseImageIndex(noOs, 'index.json')).message).toBe(
      'index.json: manifests[0].platform.os must be a string'
    )
    expect(failure(() => parseImageIndex('{"schemaVersion":2}', 'index.json')).message).toBe(
      'index.json: manifests must be an array'
    )
  })
})

describe('parseImageConfig, parseLayoutMarker, parseDockerArchiveManifest, parseDockerConfig', () => {
  it('reads a config and names a label that is not a string', () => {
    expect(parseImageConfig('{"os":"linux","architecture":"amd64","config":{"Labels":null}}', 'c').os).toBe(
      'linux'
    )
    expect(failure(() => parseImageConfig('{"config":{"Labels":{"a":true}}}', 'c')).field).toBe(
      'config.Labels.a'
    )
    expect(failure(() => parseImageConfig('{"architecture":64}', 'c')).field).toBe('architecture')
  })
  it('accepts layout version 1.0.0 only', () => {
    expect(parseLayoutMarker('{"imageLayoutVersion":"1.0.0"}', 'oci-layout').imageLayoutVersion).toBe('1.0.0')
    expect(failure(() => parseLayoutMarker('{"imageLayoutVersion":"2.0"}', 'oci-layout')).message).toBe(
      'oci-layout: imageLayoutVersion is 2.0; only 1.0.0 is supported'
    )
  })
  it('checks the entries of a docker save manifest.json', () => {
    expect(parseDockerArchiveManifest('[{"Config":"c.json","Layers":["l.tar"]}]', 'mj')[0]?.Layers).toEqual([
      'l.tar'
    ])
    expect(failure(() => parseDockerArchiveManifest('[{"Config":"c.json","Layers":[1]}]', 'mj')).field).toBe(
      '[0].Layers[0]'
    )
  })
  it('checks the credential fields of a docker config.json and keeps the rest', () => {
    const config = parseDockerConfig(
      '{"auths":{"r":{"auth":"eA=="}},"proxies":{"default":{}}}',
      'config.json'
    )
    expect(config.proxies).toEqual({ default: {} })
    expect(failure(() => parseDockerConfig('{"credHelpers":{"r":1}}', 'config.json')).field).toBe(
      'credHelpers.r'
    )
    expect(failure(() => parseDockerConfig('{"auths":{"r":{"auth":2}}}', 'config.json')).field).toBe(
      'auths.r.auth'
    )
  })
  it('reads the mediaType a manifest declares, tolerating anything else', () => {
    expect(declaredMediaType(manifest())).toBe(OCI_MANIFEST)
    expect(declaredMediaType('{"mediaType":1}')).toBeUndefined()
    expect(declaredMediaType('<html>')).toBeUndefined()
  })
})

describe('media types', () => {
  it('tells indexes, image manifests, image configs and distributable blobs apart', () => {
    expect([OCI_INDEX, DOCKER_MANIFEST_LIST, OCI_MANIFEST].map(isIndex)).toEqual([true, true, false])
    expect([OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX].map(isImage)).toEqual([true, true, false])
    expect([OCI_CONFIG, DOCKER_CONFIG, 'application/vnd.in-toto+json'].map(isImageConfig)).toEqual([
      true,
      true,
      false
    ])
    expect([OCI_LAYER_GZIP, DOCKER_FOREIGN_LAYER_GZIP].map(isDistributable)).toEqual([true, false])
    expect(isDistributable('application/vnd.oci.image.layer.nondistributable.v1.tar')).toBe(false)
  })
})

describe('platforms', () => {
  it('parses and formats with the OCI defaults (samePlatform: builders/platforms.test.ts)', () => {
    expect(formatPlatform(parsePlatform('linux/aarch64'))).toBe('linux/arm64')
    expect(formatPlatform(parsePlatform('Linux/ARM'))).toBe('linux/arm/v7')
    expect(canonicalPlatform({ os: 'plan9', architecture: 'amd64' })).toBe('plan9/amd64')
    expect(platformOnly({ os: 'windows', architecture: 'amd64', 'os.version': '10.0' })).toEqual({
      architecture: 'amd64',
      os: 'windows'
    })
  })
  it('throws InvalidPlatformError saying why', () => {
    expect(() => parsePlatform('linux/sparc')).toThrow(InvalidPlatformError)
    expect(() => parsePlatform('linux/sparc')).toThrow(
      "'linux/sparc' is not a platform: unknown architecture 'sparc'"
    )
    expect(() => parsePlatform('linux/arm/7')).toThrow("unknown variant '7'")
  })
})
