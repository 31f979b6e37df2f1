/**
 * This run's attestations: the provenance (src/attest) and the SBOMs (src/sbom) of what was just pushed,
 * signed with one OIDC token. publishLayout and mergeDigests store them as referrers before the tags move.
 */
import {
  attestStatement,
  createProvenance,
  obtainIdentity,
  type AttestationArtifact,
  type AttestationSubject,
  type BaseImage,
  type BuildShape,
  type Identity,
  type ProvenanceSettings,
  type RunContext
} from '../attest/index.js'
import { errorMessage } from '../errors.js'
import { parseReference, type Logger, type RegistryClient } from '../registry/index.js'
import { sbomStatements, type SbomScanner } from '../sbom/index.js'
import type { Attest } from './attestations.js'

export interface AttestRun {
  provenance?: ProvenanceSettings
  /** The SBOM scanner and the build's layout it scans; undefined: no SBOMs. */
  sbom?: { scanner: SbomScanner; layoutDir: string; tempDir: string }
  run: RunContext
  /** What mode=max records. */
  build?: BuildShape
  /** The base images the build named (FROM lines), resolved to digests on their registries. */
  baseImageNames?: string[]
  client: RegistryClient
  env: NodeJS.ProcessEnv
  githubToken: string
  logger: Logger
  signal?: AbortSignal
}

/** The `attest` of a publish, or undefined when neither provenance nor SBOMs are asked for. */
export function attestRun(req: AttestRun): Attest | undefined {
  if (!req.provenance && !req.sbom) return undefined
  return async subjects => {
    const identity = await obtainIdentity(req.provenance?.signing ?? 'auto', req.env, req.logger)
    const artifacts: AttestationArtifact[] = []
    if (req.provenance) artifacts.push(await provenanceOf(req, req.provenance, subjects, identity))
    if (req.sbom) artifacts.push(...(await sbomsOf(req, req.sbom, subjects, identity)))
    return artifacts
  }
}

async function provenanceOf(
  req: AttestRun,
  settings: ProvenanceSettings,
  subjects: AttestationSubject[],
  identity: Identity
): Promise<AttestationArtifact> {
  const baseImages = await resolveBaseImages(req.client, req.baseImageNames ?? [], req.logger)
  return createProvenance({
    settings,
    subjects,
    run: req.run,
    build: req.build,
    baseImages,
    env: req.env,
    githubToken: req.githubToken,
    logger: req.logger,
    identity
  })
}

/** One SBOM statement per platform manifest among the subjects, each signed like the provenance. */
async function sbomsOf(
  req: AttestRun,
  sbom: NonNullable<AttestRun['sbom']>,
  subjects: AttestationSubject[],
  identity: Identity
): Promise<AttestationArtifact[]> {
  const platformDigests: Record<string, string> = {}
  for (const s of subjects) if (s.platform) platformDigests[s.platform] = s.digest
  const name = subjects[0]?.name
  if (!name) return []
  req.logger.info(
    `Scanning ${Object.keys(platformDigests).length} platform image(s) with ${sbom.scanner.source}`
  )
  const statements = await sbomStatements(
    sbom.layoutDir,
    sbom.scanner,
    { images: [name], platformDigests },
    req.logger,
    { tempDir: sbom.tempDir, env: req.env, signal: req.signal }
  )
  const artifacts: AttestationArtifact[] = []
  for (const s of statements) {
    artifacts.push(
      await attestStatement(s.subjects, s.predicateType, s.predicate, {
        kind: 'sbom',
        signing: req.provenance?.signing ?? 'auto',
        run: req.run,
        env: req.env,
        githubToken: req.githubToken,
        logger: req.logger,
        identity
      })
    )
  }
  return artifacts
}

/**
 * The base images by the digest their registry serves for the named tag (what the build pulled, unless
 * the tag moved meanwhile). One that cannot be read is left out of the provenance, with a debug line.
 */
export async function resolveBaseImages(
  client: RegistryClient,
  names: readonly string[],
  logger: Pick<Logger, 'debug'>
): Promise<BaseImage[]> {
  const resolved: BaseImage[] = []
  for (const ref of new Set(names)) {
    try {
      const parsed = parseReference(ref)
      const digest =
        parsed.digest ??
        (
          await client
            .repository(`${parsed.registry}/${parsed.repository}`)
            .headManifest(parsed.tag ?? 'latest')
        )?.digest
      if (digest) resolved.push({ ref, digest })
      else logger.debug(`base image ${ref}: not found on its registry; left out of the provenance`)
    } catch (err) {
      logger.debug(`base image ${ref}: ${errorMessage(err)}; left out of the provenance`)
    }
  }
  return resolved
}
