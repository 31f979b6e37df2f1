import { InputError } from './errors.js'

/** The SBOM document formats syft writes that the action attaches. */
export const SBOM_FORMATS = ['spdx-json', 'cyclonedx-json'] as const
export type SbomFormat = (typeof SBOM_FORMATS)[number]

/** `sbom` switched on: one document of `format` per platform image. */
export interface SbomRequest {
  format: SbomFormat
}

/**
 * The `sbom` input (build-push-action's name): empty or `false` is off, `true` is an SPDX JSON document per
 * platform, and `format=spdx-json|cyclonedx-json` picks the format. build-push-action's `generator=IMAGE`
 * is refused: the action scans the built image with syft itself, for every builder alike.
 */
export function parseSbom(value: string): SbomRequest | undefined {
  const trimmed = value.trim()
  const lower = trimmed.toLowerCase()
  if (lower === '' || lower === 'false') return undefined
  if (lower === 'true') return { format: 'spdx-json' }
  const formats = trimmed.split(',').map(field => parseField(field.trim(), trimmed))
  return { format: formats[formats.length - 1] ?? 'spdx-json' }
}

/** One `key=value` field of the CSV form: the format it names; any other field is an error. */
function parseField(field: string, whole: string): SbomFormat {
  const eq = field.indexOf('=')
  const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase()
  const fieldValue = eq < 0 ? '' : field.slice(eq + 1).trim()
  if (key === 'format') return sbomFormat(fieldValue)
  if (key === 'generator') {
    throw new InputError(
      'sbom',
      `'${whole}': publish-image does not run a generator image; it scans the built image with syft ` +
        "(the scanner BuildKit's default generator wraps), for every builder. Remove generator=…: use sbom: true, or format=spdx-json|cyclonedx-json"
    )
  }
  throw new InputError(
    'sbom',
    `'${whole}' is not true, false or format=${SBOM_FORMATS.join('|')} (unknown field '${field}')`
  )
}

function sbomFormat(value: string): SbomFormat {
  const format = value.toLowerCase()
  if (!(SBOM_FORMATS as readonly string[]).includes(format)) {
    throw new InputError('sbom', `format '${value}' is not one of ${SBOM_FORMATS.join(', ')}`)
  }
  return format as SbomFormat
}
