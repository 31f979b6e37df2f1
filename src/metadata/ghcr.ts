import parseSpdx from 'spdx-expression-parse'
import { InputError } from '../inputs/errors.js'

export const DESCRIPTION_LIMIT = 512
export const LICENSES_LIMIT = 256

/** True when `expression` parses as an SPDX license expression (`MIT OR Apache-2.0`, `LicenseRef-x`). */
export function isSpdxExpression(expression: string): boolean {
  try {
    parseSpdx(expression)
    return true
  } catch {
    return false
  }
}

export function checkLicenses(value: string, input: string): void {
  if (value !== '' && !isSpdxExpression(value)) {
    throw new InputError(
      input,
      `'${value}' is not an SPDX license expression; use identifiers from https://spdx.org/licenses such as MIT or Apache-2.0 OR MIT`
    )
  }
}

/** The longest start of `text` within `limit` characters that ends at a word boundary (a hard cut if none). */
export function cutAtWordBoundary(text: string, limit: number): string {
  const chars = Array.from(text)
  if (chars.length <= limit) return text
  const head = chars.slice(0, limit + 1).join('')
  const boundary = head.search(/\s+\S*$/)
  return (boundary > 0 ? head.slice(0, boundary) : chars.slice(0, limit).join('')).trimEnd()
}

/** Shortens a license expression at a word boundary to one that still parses, or '' when none does. */
export function cutLicenses(expression: string, limit: number): string {
  let candidate = cutAtWordBoundary(expression, limit)
  while (candidate !== '' && !isSpdxExpression(candidate)) {
    const shorter = candidate.replace(/\s*\S+$/, '')
    candidate = shorter === candidate ? '' : shorter
  }
  return candidate
}
