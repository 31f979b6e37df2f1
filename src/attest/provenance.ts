/** SLSA provenance for a pushed image: the statement, signed and recorded when possible. */
import type { Logger } from '../registry/index.js'
import { attestStatement, obtainIdentity, type Identity } from './attest.js'
import type { RunContext } from './context.js'
import type { BuildShape } from './build-parameters.js'
import { jwtClaims } from './oidc.js'
import type { ProvenanceSettings } from './settings.js'
import { provenancePredicate, SLSA_PROVENANCE_V1, type BaseImage } from './statement.js'
import type { AttestationArtifact, AttestationSubject } from './types.js'

export interface ProvenanceRequest {
  settings: ProvenanceSettings
  /** The index (platform undefined) and each platform manifest, as pushed. */
  subjects: AttestationSubject[]
  run: RunContext
  /** Read for mode=max only. */
  build?: BuildShape
  /** The base images as the builder resolved them. */
  baseImages?: BaseImage[]
  env: NodeJS.ProcessEnv
  githubToken: string
  logger: Logger
  /** Record the bundle through GitHub's attestations API (default true). */
  record?: boolean
  /** Retries of each Sigstore request (default 3). */
  signingRetries?: number
  /** A token already fetched for this run (shared with its SBOMs); undefined: fetched here. */
  identity?: Identity
  /** A cancelled run or the push-timeout: what is in flight stops, and the attestation throws. */
  signal?: AbortSignal
}

export async function createProvenance(request: ProvenanceRequest): Promise<AttestationArtifact> {
  const { settings } = request
  if (settings.mode === 'off') throw new Error('createProvenance called with provenance: false')
  const identity =
    request.identity ??
    (await obtainIdentity(settings.signing, request.env, request.logger, undefined, request.signal))
  const jobWorkflowRef = identity.idToken ? jwtClaims(identity.idToken).job_workflow_ref : undefined
  const run: RunContext =
    typeof jobWorkflowRef === 'string' && jobWorkflowRef ? { ...request.run, jobWorkflowRef } : request.run
  const predicate = provenancePredicate({
    run,
    mode: settings.mode,
    build: request.build,
    baseImages: request.baseImages
  })
  return attestStatement(request.subjects, SLSA_PROVENANCE_V1, predicate, {
    kind: 'provenance',
    signing: settings.signing,
    run,
    env: request.env,
    githubToken: request.githubToken,
    logger: request.logger,
    record: request.record,
    signingRetries: request.signingRetries,
    identity,
    signal: request.signal
  })
}
