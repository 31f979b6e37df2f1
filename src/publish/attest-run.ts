/**
 * This run's attestations: the provenance (src/attest) and the SBOMs (src/sbom) of what was just pushed.
 * publishLayout and mergeDigests store them as referrers after the by-digest writes, before the tags move.
 * The SBOMs are scanned before the push starts (a scanner failure leaves nothing half-pushed); here they
 * are only put on the pushed digests and signed.
 */
import {
  attestStatement,
  createProvenance,
  fetchIdToken,
  obtainIdentity,
  type AttestationArtifact,
  type AttestationSubject,
  type BaseImage,
  type BuildShape,
  type Identity,
  type ProvenanceSettings,
  type RunContext,
  throwIfStopped
} from '../attest/index.js'
import { errorMessage } from '../errors.js'
import { parseReference, type Logger, type RegistryClient } from '../registry/index.js'
import { sbomSubjects, type PlatformSbom } from '../sbom/index.js'
import type { Attest } from './attestations.js'

export interface AttestRun {
  provenance?: ProvenanceSettings
  /** The build's SBOMs, one per platform, scanned from its layout; undefined or empty: none. */
  sboms?: PlatformSbom[]
  run: RunContext
  /** What mode=max records. */
  build?: BuildShape
  /** The base images the build named (FROM lines), resolved to digests on their registries. */
  baseImageNames?: string[]
  client: RegistryClient
  env: NodeJS.ProcessEnv
  githubToken: string
  logger: Logger
  /** Masks the job's OIDC tokens in the log. */
  setSecret?: (secret: string) => void
}

/** The `attest` of a publish, or undefined when neither provenance nor SBOMs are asked for. */
export function attestRun(req: AttestRun): Attest | undefined {
  if (!req.provenance && !req.sboms?.length) return undefined
  return async (subjects, signal) => {
    const signing = req.provenance?.signing ?? 'auto'
    const decided = await obtainIdentity(signing, req.env, req.logger, unsignedWhat(req), signal)
    if (decided.idToken) req.setSecret?.(decided.idToken)
    const artifacts: AttestationArtifact[] = []
    if (req.provenance) artifacts.push(await provenanceOf(req, req.provenance, subjects, decided, signal))
    for (const sbom of req.sboms ?? []) {
      // GitHub's OIDC tokens live minutes: a fresh one for each signature.
      const identity = decided.idToken ? await freshIdentity(req, signal) : decided
      artifacts.push(await sbomAttestation(req, sbom, subjects, identity, signal))
    }
    return artifacts
  }
}

/** What an unsigned run's warning names: the provenance, the SBOMs, or both. */
function unsignedWhat(req: Pick<AttestRun, 'provenance' | 'sboms'>): string {
  if (!req.sboms?.length) return 'Provenance'
  return req.provenance ? 'Provenance and SBOMs' : 'The SBOMs'
}

async function freshIdentity(req: AttestRun, signal: AbortSignal | undefined): Promise<Identity> {
  const idToken = await fetchIdToken(req.env, signal).catch((err: unknown) => {
    throwIfStopped(signal, "getting the job's OIDC token")
    throw err
  })
  req.setSecret?.(idToken)
  return { idToken }
}

async function provenanceOf(
  req: AttestRun,
  settings: ProvenanceSettings,
  subjects: AttestationSubject[],
  identity: Identity,
  signal: AbortSignal | undefined
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
    identity,
    signal
  })
}

/** One platform's SBOM, about that platform's pushed manifest, signed like the provenance. */
async function sbomAttestation(
  req: AttestRun,
  sbom: PlatformSbom,
  subjects: AttestationSubject[],
  identity: Identity,
  signal: AbortSignal | undefined
): Promise<AttestationArtifact> {
  const name = subjects[0]?.name ?? ''
  const platformDigests: Record<string, string> = {}
  for (const s of subjects) if (s.platform) platformDigests[s.platform] = s.digest
  const sbomSubject = sbomSubjects(sbom, [name], platformDigests)
  const pushed = sbomSubject[0]?.digest ?? sbom.manifestDigest
  return attestStatement(sbomSubject, sbom.predicateType, pushedDocument(sbom, pushed), {
    kind: 'sbom',
    signing: req.provenance?.signing ?? 'auto',
    run: req.run,
    env: req.env,
    githubToken: req.githubToken,
    logger: req.logger,
    identity,
    signal
  })
}

/**
 * The document, parsed, naming the pushed manifest: the scan named the layout's manifest, whose digest
 * differs when the push compressed the layers.
 */
export function pushedDocument(sbom: PlatformSbom, pushedDigest: string): unknown {
  const text = Buffer.from(sbom.document).toString('utf8')
  const hex = (digest: string) => digest.slice(digest.indexOf(':') + 1)
  return JSON.parse(text.replaceAll(hex(sbom.manifestDigest), hex(pushedDigest))) as unknown
}

/**
 * The base images by the digest their registry serves for the named tag at push time. One that cannot
 * be read is left out of the provenance, with a debug line.
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
      const repository = client.repository(`${parsed.registry}/${parsed.repository}`)
      const digest = parsed.digest ?? (await repository.headManifest(parsed.tag ?? 'latest'))?.digest
      if (digest) resolved.push({ ref, digest })
      else logger.debug(`base image ${ref}: not found on its registry; left out of the provenance`)
    } catch (err) {
      logger.debug(`base image ${ref}: ${errorMessage(err)}; left out of the provenance`)
    }
  }
  return resolved
}
