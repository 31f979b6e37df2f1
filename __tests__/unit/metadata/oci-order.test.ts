import { describe, expect, it } from '@jest/globals'
import { compareKeys, sortedRecord } from '../../../src/metadata/oci.js'

const icu = (a: string, b: string) => Math.sign(a.localeCompare(b, 'en'))

/** A deterministic pseudo-random key over `alphabet` (xorshift), 0–12 characters. */
function keys(alphabet: string, count: number): string[] {
  let x = 2463534242
  const next = () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
  return Array.from({ length: count }, () =>
    Array.from(
      { length: Math.floor(next() * 13) },
      () => alphabet[Math.floor(next() * alphabet.length)]
    ).join('')
  )
}

describe('label and annotation keys sort in ICU order, as metadata-action sorts them', () => {
  it('plain keys (a-z, 0-9, dots), compared without the collator, order exactly as ICU does', () => {
    const plain = [
      ...keys('abz09.', 400),
      ...keys('org.pencti0123456789', 400),
      'org.opencontainers.image.url'
    ]
    for (let i = 0; i < plain.length; i++) {
      const a = plain[i] ?? ''
      const b = plain[(i * 7 + 3) % plain.length] ?? ''
      expect([a, b, Math.sign(compareKeys(a, b))]).toEqual([a, b, icu(a, b)])
    }
  })

  it('other keys go through ICU: case interleaved, punctuation in its own order', () => {
    const mixed = ['b', 'A', 'a', 'B', 'a_b', 'a-b', 'a.b', 'a0', 'Z.z', 'org.x', 'org.X']
    const sorted = [...mixed].sort(compareKeys)
    expect(sorted).toEqual([...mixed].sort((a, b) => a.localeCompare(b, 'en')))
    // Code-unit order would put every capital first.
    expect(sorted).not.toEqual([...mixed].sort())
  })

  it('sortedRecord orders the OCI keys', () => {
    const map = new Map([
      ['org.opencontainers.image.version', '1'],
      ['org.opencontainers.image.created', '2'],
      ['org.opencontainers.image.url', '3'],
      ['com.example.Team', '4'],
      ['org.opencontainers.image.title', '5']
    ])
    expect(Object.keys(sortedRecord(map))).toEqual([
      'com.example.Team',
      'org.opencontainers.image.created',
      'org.opencontainers.image.title',
      'org.opencontainers.image.url',
      'org.opencontainers.image.version'
    ])
  })
})
