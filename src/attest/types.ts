/**
 * The contract between what makes attestations (provenance, SBOM: src/attest) and what stores them as
 * OCI 1.1 referrers (the publish step, src/registry/referrers.ts).
 */

/** What an attestation is about: one manifest or index the registry serves. */
export interface AttestationSubject {
  /** `host/path` of the image, without tag or digest (ghcr.io/owner/app). */
  name: string
  /** The registry's digest, `sha256:<hex>`. */
  digest: string
  /** `os/arch[/variant]` of a platform manifest; undefined for the index. */
  platform?: string
}

/** One finished attestation, ready to be stored as a referrer of each of its subjects. */
export interface AttestationArtifact {
  kind: 'provenance' | 'sbom'
  /**
   * The referrer manifest's artifactType and its one layer's mediaType: a Sigstore bundle
   * (application/vnd.dev.sigstore.bundle.v0.3+json) when signed, the bare in-toto statement
   * (application/vnd.in-toto+json) when not.
   */
  mediaType: string
  /** The layer's bytes: the bundle, or the statement. */
  content: Uint8Array
  /** The statement's predicateType (https://slsa.dev/provenance/v1, https://spdx.dev/Document/v2.3, …). */
  predicateType: string
  /** The subjects the statement names; the artifact is attached as a referrer to each of them. */
  subjects: AttestationSubject[]
  signed: boolean
  /** The GitHub attestations API's id, when the bundle was recorded there. */
  attestationId?: string
}

/** Where an artifact was stored: one referrer manifest per subject. */
export interface StoredAttestation {
  kind: AttestationArtifact['kind']
  subject: AttestationSubject
  /** The referrer manifest's digest. */
  referrer: string
}
