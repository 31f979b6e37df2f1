/** Making attestations (provenance, and the signing the SBOM reuses); storing them is src/publish's. */
export type { AttestationArtifact, AttestationSubject, StoredAttestation } from './types.js'
export {
  DEFAULT_PROVENANCE,
  type ProvenanceMode,
  type ProvenanceSettings,
  type SigningMode
} from './settings.js'
export { runContextFromEnv, type RunContext } from './context.js'
export { fetchIdToken, oidcAvailable } from './oidc.js'
export type { BuildShape } from './build-parameters.js'
export {
  IN_TOTO_MEDIA_TYPE,
  SLSA_PROVENANCE_V1,
  inTotoStatement,
  provenancePredicate,
  type BaseImage,
  type Statement
} from './statement.js'
export { checkSigningPossible, SIGSTORE_BUNDLE_V03_MEDIA_TYPE, type SigningDecision } from './sign.js'
export { SIGSTORE_ENV, signingEndpoints, sigstoreInstance, type SigstoreInstance } from './endpoints.js'
export { attestStatement, obtainIdentity, type AttestOptions, type Identity } from './attest.js'
export { createProvenance, type ProvenanceRequest } from './provenance.js'
export { recordAttestation } from './store.js'
export { throwIfStopped } from './stopped.js'
export { buildShapeOf } from './wiring.js'
