import { InputError } from '../../inputs/errors.js'
import { formatPlatform, InvalidPlatformError, parsePlatform, type Platform } from '../../registry/index.js'

/** Splits `platforms` lines (newline- or comma-separated), normalises and de-duplicates them. */
export function parsePlatforms(lines: string[]): string[] {
  const entries = lines.flatMap(line => line.split(/[,\s]+/)).filter(e => e.length > 0)
  return [...new Set(entries.map(normalizePlatform))]
}

/** `linux/aarch64` → `linux/arm64`, `linux/arm` → `linux/arm/v7`; throws InputError('platforms') on garbage. */
export function normalizePlatform(entry: string): string {
  return formatPlatform(platformInput(entry))
}

/** parsePlatform for the `platforms` input: garbage is an InputError('platforms'). */
export function platformInput(entry: string): Platform {
  try {
    return parsePlatform(entry)
  } catch (error) {
    if (error instanceof InvalidPlatformError)
      throw new InputError('platforms', error.message, { cause: error })
    throw error
  }
}

/** The platform Go (and so every builder) calls this host, e.g. `amd64` for Node's `x64`. */
export function hostArchitecture(nodeArch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le', mipsel: 'mipsle' }
  return map[nodeArch] ?? nodeArch
}
