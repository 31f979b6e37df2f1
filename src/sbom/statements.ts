import type { AttestationSubject } from '../attest/types.js'
import type { Logger } from '../registry/index.js'
import { readBuiltImages } from '../publish/layout.js'
import { generateSboms, type GenerateOptions } from './generate.js'
import type { SbomScanner } from './scanner.js'
import { sbomSubjects } from './subjects.js'

/** What one platform's SBOM attestation states: attestStatement(subjects, predicateType, predicate, …). */
export interface SbomStatement {
  /** `os/arch[/variant]`. */
  platform: string
  /** That platform's pushed manifest, under every image name. */
  subjects: AttestationSubject[]
  predicateType: string
  /** The SBOM document, parsed. */
  predicate: unknown
}

/**
 * The SBOM statements of a push: every platform image of the build's layout scanned, each attached to
 * the manifest of its platform the push reports (`platformDigests`, PublishResult's). Call it after the
 * push and before the layout is removed; `images` are the pushed image names (no tag or digest).
 */
export async function sbomStatements(
  layoutDir: string,
  scanner: SbomScanner,
  pushed: { images: readonly string[]; platformDigests: Readonly<Record<string, string>> },
  logger: Logger,
  options: GenerateOptions = {}
): Promise<SbomStatement[]> {
  const { images } = await readBuiltImages(layoutDir)
  const sourceName = options.sourceName ?? pushed.images[0]
  const sboms = await generateSboms(layoutDir, images, logger, scanner, { ...options, sourceName })
  return sboms.map(sbom => ({
    platform: sbom.platform,
    subjects: sbomSubjects(sbom, pushed.images, pushed.platformDigests),
    predicateType: sbom.predicateType,
    predicate: JSON.parse(Buffer.from(sbom.document).toString('utf8')) as unknown
  }))
}
