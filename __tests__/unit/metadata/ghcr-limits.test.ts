import { beforeAll, describe, expect, it } from '@jest/globals'
import {
  computeMetadata,
  loadTemplateEngine,
  readGitContext,
  type Metadata
} from '../../../src/metadata/index.js'

const env = {
  GITHUB_REF: 'refs/heads/main',
  GITHUB_SHA: 'abcdef0123456789',
  GITHUB_REPOSITORY: 'acme/app',
  GITHUB_EVENT_NAME: 'push'
}
const DESCRIPTION = 'org.opencontainers.image.description'
const LICENSES = 'org.opencontainers.image.licenses'
const silent = { warning: () => {}, info: () => {}, debug: () => {} }

function compute(
  images: string[],
  extra: { description?: string; licenses?: string; labels?: string[] }
): Metadata {
  return computeMetadata(
    {
      images,
      tags: [],
      flavor: [],
      labels: extra.labels ?? [],
      annotations: [],
      description: extra.description ?? '',
      licenses: extra.licenses ?? '',
      source: '',
      defaultImage: '',
      platformCount: 2
    },
    readGitContext(env),
    undefined,
    { env, logger: silent }
  )
}

const codePoints = (text: string) => Array.from(text).length
/** `count` code points of words mixing accents, emoji (two UTF-16 units) and CJK; never ends in a space. */
function text(count: number): string {
  const chars = Array.from('Café 😀 日本語 naïve ').join('').repeat(count)
  const cut = Array.from(chars).slice(0, count)
  if (cut[count - 1] === ' ') cut[count - 1] = 'x'
  return cut.join('')
}
/** Throws on a lone surrogate: a cut must never split an emoji. */
const wellFormed = (value: string) => encodeURIComponent(value)

// Templates need the engine the plan loads before computing metadata (src/plan.ts).
beforeAll(() => loadTemplateEngine())

describe('GHCR description limit: 512 characters (code points)', () => {
  it('keeps exactly 512 characters, though they are more UTF-16 units and bytes', () => {
    const description = text(512)
    expect(description.length).toBeGreaterThan(512)
    expect(Buffer.byteLength(description)).toBeGreaterThan(512)
    const m = compute(['ghcr.io/acme/app'], { description })
    expect(m.labels[DESCRIPTION]).toBe(description)
    expect(m.annotationsByLevel.index[DESCRIPTION]).toBe(description)
    expect(m.warnings.filter(w => w.includes('GHCR'))).toEqual([])
  })
  it('cuts 513 characters at a word boundary, in labels and annotations, with a warning', () => {
    const description = text(513)
    const m = compute(['ghcr.io/acme/app'], { description })
    const cut = m.labels[DESCRIPTION] ?? ''
    expect(codePoints(cut)).toBeLessThanOrEqual(512)
    expect(codePoints(cut)).toBeGreaterThan(500)
    expect(description.startsWith(cut)).toBe(true)
    expect(description.charAt(cut.length)).toBe(' ')
    expect(() => wellFormed(cut)).not.toThrow()
    expect(m.annotationsByLevel.index[DESCRIPTION]).toBe(cut)
    expect(m.annotationsByLevel.manifest[DESCRIPTION]).toBe(cut)
    expect(m.warnings).toContain(
      `description: description has 513 characters, GHCR shows at most 512; cut at a word boundary to ${codePoints(cut)}`
    )
  })
  it('cuts hard, between characters, when there is no word boundary', () => {
    const description = '😀'.repeat(513)
    const cut = compute(['ghcr.io/acme/app'], { description }).labels[DESCRIPTION] ?? ''
    expect(cut).toBe('😀'.repeat(512))
  })
})

describe('GHCR licenses limit: 255 characters (256 is refused in practice)', () => {
  const spdx = (length: number) => `MIT OR LicenseRef-${'a'.repeat(length - 18)}`
  it('keeps an SPDX expression of exactly 255 characters', () => {
    const m = compute(['ghcr.io/acme/app'], { licenses: spdx(255) })
    expect(spdx(255)).toHaveLength(255)
    expect(m.labels[LICENSES]).toBe(spdx(255))
    expect(m.warnings).toEqual([])
  })
  it.each([256, 257])('cuts %i characters to an expression that still parses', length => {
    const m = compute(['ghcr.io/acme/app'], { licenses: spdx(length) })
    expect(m.labels[LICENSES]).toBe('MIT')
    expect(m.annotationsByLevel.index[LICENSES]).toBe('MIT')
    expect(m.warnings).toContain(
      `licenses: licenses has ${length} characters, GHCR takes at most 255; cut to 'MIT'`
    )
  })
  it('counts characters in a non-SPDX licenses label: 255 kept, 256 cut at a word boundary', () => {
    const kept = compute(['ghcr.io/acme/app'], { labels: [`${LICENSES}=${text(255)}`] })
    expect(kept.labels[LICENSES]).toBe(text(255))
    expect(kept.warnings.filter(w => w.includes('GHCR'))).toEqual([])
    const cut = compute(['ghcr.io/acme/app'], { labels: [`${LICENSES}=${text(256)}`] })
    const value = cut.labels[LICENSES] ?? ''
    expect(codePoints(value)).toBeLessThanOrEqual(255)
    expect(codePoints(value)).toBeGreaterThan(240)
    expect(text(256).startsWith(value)).toBe(true)
    expect(() => wellFormed(value)).not.toThrow()
    expect(
      cut.warnings.some(w => w.startsWith('labels: licenses has 256 characters, GHCR takes at most 255'))
    ).toBe(true)
  })
})

describe('GHCR limits on other registries', () => {
  it.each([['docker.io/acme/app'], ['127.0.0.1:5000/acme/app'], ['ghcr.io.example.com/acme/app']])(
    'leaves %s untouched',
    image => {
      const description = text(600)
      const licenses = spdx300()
      const m = compute([image], { description, licenses })
      expect(m.labels[DESCRIPTION]).toBe(description)
      expect(m.labels[LICENSES]).toBe(licenses)
      expect(m.annotationsByLevel.index[DESCRIPTION]).toBe(description)
      expect(m.warnings).toEqual([])
    }
  )
  it('cuts for every image of a mixed run, and the warning names the others and why', () => {
    const m = compute(['ghcr.io/acme/app', 'quay.io/acme/app', 'docker.io/acme/app'], {
      description: text(513)
    })
    expect(codePoints(m.labels[DESCRIPTION] ?? '')).toBeLessThanOrEqual(512)
    const warning = m.warnings.find(w => w.startsWith('description: description has 513 characters'))
    expect(warning).toContain(
      '. quay.io/acme/app, docker.io/acme/app get the cut value too: every image of a run is the same image ' +
        'with one digest; publish to ghcr.io in a separate step to keep the full value elsewhere'
    )
  })
  it('says nothing about other images when every image is on ghcr.io', () => {
    const m = compute(['ghcr.io/acme/app', 'ghcr.io/acme/mirror'], { description: text(513) })
    expect(m.warnings.join('\n')).not.toContain('get the cut value too')
    expect(m.warnings.join('\n')).not.toContain('gets the cut value too')
  })
})

function spdx300(): string {
  return `MIT OR LicenseRef-${'b'.repeat(282)}`
}
