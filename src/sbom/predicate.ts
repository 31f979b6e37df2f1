import type { SbomFormat } from '../inputs/sbom.js'

/** The in-toto predicateType of CycloneDX documents (as BuildKit and actions/attest-sbom name it). */
export const CYCLONEDX_PREDICATE_TYPE = 'https://cyclonedx.org/bom'

/** The in-toto predicateType of SPDX documents without a known version. */
export const SPDX_PREDICATE_TYPE = 'https://spdx.dev/Document'

/**
 * The predicateType an attestation of `document` carries: `https://spdx.dev/Document/v2.3` for an
 * `SPDX-2.3` document (as actions/attest-sbom derives it from spdxVersion), `https://cyclonedx.org/bom`
 * for CycloneDX. Throws when the document is not the format it was asked for.
 */
export function sbomPredicateType(format: SbomFormat, document: unknown): string {
  const fields =
    typeof document === 'object' && document !== null ? (document as Record<string, unknown>) : {}
  if (format === 'cyclonedx-json') {
    if (fields.bomFormat !== 'CycloneDX')
      throw new Error('the scanner wrote no CycloneDX document (bomFormat is not CycloneDX)')
    return CYCLONEDX_PREDICATE_TYPE
  }
  const version = fields.spdxVersion
  if (typeof version !== 'string' || !/^SPDX-\d+\.\d+$/.test(version)) {
    throw new Error(`the scanner wrote no SPDX document (spdxVersion is ${JSON.stringify(version)})`)
  }
  return `${SPDX_PREDICATE_TYPE}/v${version.slice('SPDX-'.length)}`
}
