import { InputError } from '../inputs/errors.js'
import {
  canonicalPlatform,
  formatPlatform,
  InvalidPlatformError,
  parsePlatform,
  samePlatform,
  type Platform
} from '../registry/index.js'

/** One line of the `digests` input: a platform manifest's digest, and the platform it is said to be. */
export interface DigestLine {
  digest: string
  /** Normalised `os/arch[/variant]` when the line was `platform=sha256:…`. */
  platform?: string
}

const DIGEST = /^sha256:[0-9a-f]{64}$/

/** Parses `sha256:…` and `platform=sha256:…` lines (pure); throws InputError('digests') naming the line. */
export function parseDigestLines(lines: string[]): DigestLine[] {
  const parsed = lines.map(parseDigestLine)
  const seen = new Set<string>()
  for (const { digest } of parsed) {
    if (seen.has(digest)) throw new InputError('digests', `${digest} is listed twice; list each digest once`)
    seen.add(digest)
  }
  return parsed
}

function parseDigestLine(line: string): DigestLine {
  const at = line.lastIndexOf('=')
  const digest = line.slice(at + 1).trim()
  if (!DIGEST.test(digest)) {
    throw new InputError(
      'digests',
      `'${line}' is not a digest line; use sha256:<64 hex digits> or platform=sha256:…, one per line`
    )
  }
  if (at < 0) return { digest }
  const entry = line.slice(0, at).trim()
  try {
    return { digest, platform: formatPlatform(parsePlatform(entry)) }
  } catch (error) {
    if (!(error instanceof InvalidPlatformError)) throw error
    throw new InputError('digests', `in '${line}': ${error.message}`, { cause: error })
  }
}

/** A manifest found in the registry, with the platform its config says. */
export interface MergeChild {
  digest: string
  platform: Platform
}

/** The platform a `platform=` line announced must be the one the image's config says. */
export function checkDeclaredPlatform(line: DigestLine, actual: Platform): void {
  if (line.platform === undefined || samePlatform(parsePlatform(line.platform), actual)) return
  throw new InputError(
    'digests',
    `${line.digest} was listed as ${line.platform}, but its image config says ${formatPlatform(actual)}`
  )
}

/** Throws when two digests are images of the same platform: an index may hold each platform once. */
export function checkDistinctPlatforms(children: MergeChild[]): void {
  const byPlatform = new Map<string, string[]>()
  for (const child of children) {
    const key = canonicalPlatform(child.platform)
    byPlatform.set(key, [...(byPlatform.get(key) ?? []), child.digest])
  }
  const twice = [...byPlatform].filter(([, digests]) => digests.length > 1)
  if (twice.length === 0) return
  const detail = twice.map(([platform, digests]) => `${platform} (${digests.join(', ')})`).join('; ')
  throw new InputError(
    'digests',
    `more than one image for the same platform: ${detail}; merge one per platform`
  )
}
