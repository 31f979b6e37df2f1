import { assertCompressionSupported, COMPRESSIONS, LEVELS, type Compression } from '../registry/index.js'
import { InputError } from './errors.js'

/** The `compression` and `compression-level` inputs (pure apart from the Node version check). */
export function parseCompression(
  value: string,
  level: string
): { compression: Compression; compressionLevel?: number } {
  const compression = (value.trim().toLowerCase() || 'gzip') as Compression
  if (!COMPRESSIONS.includes(compression)) {
    throw new InputError('compression', `'${value}' is not one of ${COMPRESSIONS.join(', ')}`)
  }
  try {
    assertCompressionSupported(compression)
  } catch (cause) {
    throw new InputError('compression', (cause as Error).message, { cause })
  }
  if (level.trim() === '') return { compression }
  const range = LEVELS[compression]
  const parsed = Number(level.trim())
  if (
    compression === 'uncompressed' ||
    !Number.isInteger(parsed) ||
    parsed < range.min ||
    parsed > range.max
  ) {
    const allowed =
      compression === 'uncompressed'
        ? 'leave it empty for uncompressed'
        : `use ${range.min}–${range.max} for ${compression}`
    throw new InputError('compression-level', `'${level}' is not a level: ${allowed}`)
  }
  return { compression, compressionLevel: parsed }
}
