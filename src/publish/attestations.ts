/**
 * The publish step's attestation phase: once the image is in every repository by digest and before any
 * tag moves, the caller's `attest` makes the attestations of what was pushed, and each is stored as an
 * OCI 1.1 referrer of each of its subjects in every image (src/registry/referrers.ts).
 */
import { errorMessage } from '../errors.js'
import type { AttestationArtifact, AttestationSubject, StoredAttestation } from '../attest/types.js'
import {
  pushReferrer,
  referrerManifest,
  type Descriptor,
  type Logger,
  type Repository,
  type WrittenImage
} from '../registry/index.js'

/**
 * Makes the attestations of the subjects just pushed (provenance, SBOM); [] attaches nothing. `signal`
 * is the publish's (a cancelled run, the push-timeout): once it fires, the attestations stop and throw.
 */
export type Attest = (subjects: AttestationSubject[], signal?: AbortSignal) => Promise<AttestationArtifact[]>

/** A stored attestation as the report shows it: StoredAttestation, and whether it is signed. */
export interface PublishedAttestation extends StoredAttestation {
  signed: boolean
  predicateType: string
}

/** A manifest the publish wrote, as a referrer's `subject` needs it, and its platform (none: the index). */
export interface PushedSubject {
  desc: Descriptor
  platform?: string
}

/** An image (`host/path` as the request named it) and its repository. */
export interface AttestationTarget {
  image: string
  repo: Repository
}

/** The images of a request paired with multiWrite's repositories (same order). */
export function attestationTargets(images: string[], written: WrittenImage): AttestationTarget[] {
  return images.map((image, i) => {
    const repo = written.repositories[i]
    if (!repo) throw new Error(`no repository was written for ${image}`)
    return { image, repo }
  })
}

/** The subjects of the primary image: the index first (when there is one), then each platform manifest. */
export function attestationSubjects(image: string, pushed: PushedSubject[]): AttestationSubject[] {
  return pushed.map(p => ({
    name: image,
    digest: p.desc.digest,
    ...(p.platform ? { platform: p.platform } : {})
  }))
}

/** Checks that multiWrite wrote every subject (the hook and the request agree on what was pushed). */
export function checkWritten(pushed: PushedSubject[], written: WrittenImage): void {
  const digests = new Set([written.root?.digest, ...written.manifests.map(m => m.digest)])
  for (const p of pushed) {
    if (!digests.has(p.desc.digest)) throw new Error(`${p.desc.digest} was not pushed; cannot attest it`)
  }
}

/**
 * Calls `attest` with the subjects and stores every artifact as a referrer of each of its subjects in
 * each repository. A subject the publish did not push is an error (the statement would describe
 * something else).
 */
export async function storeAttestations(
  attest: Attest,
  targets: AttestationTarget[],
  pushed: PushedSubject[],
  logger: Pick<Logger, 'info'>,
  signal?: AbortSignal
): Promise<PublishedAttestation[]> {
  const primary = targets[0]
  if (!primary) return []
  const artifacts = await attest(attestationSubjects(primary.image, pushed), signal)
  const stored: PublishedAttestation[] = []
  for (const artifact of artifacts) {
    const created = new Date().toISOString()
    for (const subject of artifact.subjects) {
      const desc = descriptorOf(pushed, subject, artifact)
      const made = referrerManifest(desc, {
        mediaType: artifact.mediaType,
        content: artifact.content,
        predicateType: artifact.predicateType,
        created
      })
      for (const [i, { image, repo }] of targets.entries()) {
        const mountFrom = sameRegistry(targets.slice(0, i), repo)
        const result = await pushReferrer(repo, desc, made, artifact.content, { logger, mountFrom }).catch(
          (error: unknown) => {
            throw storeError(artifact.kind, `${image}@${desc.digest}`, error)
          }
        )
        logger.info(
          `${image}@${desc.digest}: ${artifact.kind} ${artifact.signed ? 'signed' : 'unsigned'} → referrer ${result.desc.digest}` +
            (result.via === 'tag' ? ` (listed in the ${tagOf(desc.digest)} fallback tag)` : '')
        )
        stored.push({
          kind: artifact.kind,
          subject: { ...subject, name: image },
          referrer: made.desc.digest,
          signed: artifact.signed,
          predicateType: artifact.predicateType
        })
      }
    }
  }
  return stored
}

/** A referrer the registry would not store: the image is there by digest, no tag moved; name the way out. */
function storeError(kind: AttestationArtifact['kind'], where: string, cause: unknown): Error {
  return new Error(
    `storing the ${kind} of ${where} as an OCI 1.1 referrer failed, so no tag was moved: ${errorMessage(cause)}. ` +
      `A registry that refuses artifact manifests (artifactType, subject) needs ${kind}: false`,
    { cause }
  )
}

/** The repositories of `earlier` targets on `repo`'s registry: where a referrer's blobs already are. */
function sameRegistry(earlier: AttestationTarget[], repo: Repository): string[] {
  return earlier.filter(t => t.repo.registry === repo.registry).map(t => t.repo.path)
}

function descriptorOf(pushed: PushedSubject[], subject: AttestationSubject, artifact: AttestationArtifact) {
  const found = pushed.find(p => p.desc.digest === subject.digest)
  if (!found) {
    const known = pushed.map(p => p.desc.digest).join(', ')
    throw new Error(
      `the ${artifact.kind} attestation names subject ${subject.digest}, which this publish did not push (pushed: ${known}); attestations describe only what the step pushed`
    )
  }
  return found.desc
}

function tagOf(digest: string): string {
  return digest.replace(':', '-')
}
