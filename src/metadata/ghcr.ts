import parseSpdx from 'spdx-expression-parse'
import { InputError } from '../inputs/errors.js'

/**
 * GHCR's limits, in characters (Unicode code points: an emoji counts once, as GitHub's docs speak of
 * characters). GitHub documents 512 for the description and 256 for licenses, but a licenses value of
 * exactly 256 characters is refused while 255 works (Homebrew/brew#23477, reproduced on ghcr.io), so
 * licenses are kept to 255.
 */
export const DESCRIPTION_LIMIT = 512
export const LICENSES_LIMIT = 255

/** Length as GHCR's limits count it: Unicode code points, not UTF-16 units or bytes. */
export function characterCount(text: string): number {
  return Array.from(text).length
}

/** True when `expression` parses as an SPDX license expression (`MIT OR Apache-2.0`, `LicenseRef-x`). */
export function isSpdxExpression(expression: string): boolean {
  try {
    parseSpdx(expression)
    return true
  } catch {
    return false
  }
}

const SPDX_HINT = 'use identifiers from https://spdx.org/licenses such as MIT or Apache-2.0 OR MIT'

/**
 * The `licenses` input must be an SPDX expression: it exists only to publish one, so a typo (`MIT or
 * Apache-2.0`) fails where it was written. Any other source (a `labels` line) only warns.
 */
export function checkLicensesInput(value: string): void {
  if (value !== '' && !isSpdxExpression(value)) {
    throw new InputError('licenses', `'${value}' is not an SPDX license expression; ${SPDX_HINT}`)
  }
}

/** The warning for a licenses value from `labels`/`annotations` that is not an SPDX expression. */
export function nonSpdxWarning(value: string, origin: string): string {
  return (
    `${origin}: licenses '${value}' is not an SPDX license expression; published as written. ` +
    `Tools that read it expect SPDX: ${SPDX_HINT}, or LicenseRef-<name> for your own license`
  )
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
