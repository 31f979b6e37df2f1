/** One statement → one finished attestation: signed and recorded when possible, else the bare statement. */
import { errorMessage } from '../errors.js'
import type { Logger } from '../registry/index.js'
import type { RunContext } from './context.js'
import { signingEndpoints } from './endpoints.js'
import { fetchIdToken } from './oidc.js'
import type { SigningMode } from './settings.js'
import { checkSigningPossible, PERMISSIONS_HINT, SIGSTORE_BUNDLE_V03_MEDIA_TYPE } from './sign.js'
import { IN_TOTO_MEDIA_TYPE, inTotoStatement, type Statement } from './statement.js'
import { throwIfStopped } from './stopped.js'
import { recordAttestation } from './store.js'
import type { AttestationArtifact, AttestationSubject } from './types.js'

export interface AttestOptions {
  kind: AttestationArtifact['kind']
  signing: SigningMode
  run: Pick<RunContext, 'serverUrl' | 'apiUrl' | 'repository' | 'repositoryVisibility'>
  env: NodeJS.ProcessEnv
  /** The `github-token` input, for the attestations API. */
  githubToken: string
  logger: Logger
  /** Record the bundle through GitHub's attestations API (default true). */
  record?: boolean
  /** Retries of each Sigstore request (default 3). */
  signingRetries?: number
  /** A token already fetched (createProvenance reads its claims first); undefined: fetched here. */
  identity?: Identity
  /** Stops the token fetch, the signing and the recording (a cancelled run, the push-timeout): a throw. */
  signal?: AbortSignal
}

/** The OIDC token to sign with; undefined when this run publishes unsigned. */
export interface Identity {
  idToken?: string
}

/** signing=required failures throw; auto ones warn and fall back to unsigned. */
export async function obtainIdentity(
  signing: SigningMode,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  /** What the unsigned warning names (checkSigningPossible). */
  what?: string,
  /** A cancelled run or the push-timeout: the fetch stops and throws, never falls back to unsigned. */
  signal?: AbortSignal
): Promise<Identity> {
  const decision = checkSigningPossible({ mode: 'min', signing }, env, what)
  if (decision.warning) logger.warning(decision.warning)
  if (!decision.sign) return {}
  try {
    return { idToken: await fetchIdToken(env, signal) }
  } catch (err) {
    throwIfStopped(signal, "getting the job's OIDC token")
    return fallBack(
      signing,
      logger,
      `cannot get the job's OIDC token (${errorMessage(err)}); ${PERMISSIONS_HINT}`,
      err
    )
  }
}

/**
 * The generic path, for provenance and SBOM statements alike: statement → Sigstore bundle → attestations
 * API. Unsigned (mediaType application/vnd.in-toto+json) when signing is off or impossible under auto.
 */
export async function attestStatement(
  subjects: readonly AttestationSubject[],
  predicateType: string,
  predicate: unknown,
  options: AttestOptions
): Promise<AttestationArtifact> {
  const statement = inTotoStatement(subjects, predicateType, predicate)
  const { signal } = options
  const identity =
    options.identity ??
    (await obtainIdentity(options.signing, options.env, options.logger, undefined, signal))
  const unsigned = unsignedArtifact(statement, subjects, options.kind)
  if (!identity.idToken) return unsigned
  let bundle: unknown
  try {
    const endpoints = signingEndpoints(options.run, options.env)
    options.logger.info(
      `Signing ${options.kind} with Sigstore (${endpoints.instance}: ${endpoints.fulcioUrl})`
    )
    const { signStatement } = await import('./sigstore.js')
    bundle = await signStatement(statement, {
      endpoints,
      idToken: identity.idToken,
      retries: options.signingRetries,
      signal
    })
  } catch (err) {
    throwIfStopped(signal, `signing the ${options.kind} with Sigstore`)
    fallBack(
      options.signing,
      options.logger,
      `cannot sign the ${options.kind} with Sigstore (${errorMessage(err)})`,
      err
    )
    return unsigned
  }
  const artifact: AttestationArtifact = {
    ...unsigned,
    mediaType: SIGSTORE_BUNDLE_V03_MEDIA_TYPE,
    content: Buffer.from(JSON.stringify(bundle)),
    signed: true
  }
  if (options.record === false) return artifact
  try {
    const id = await recordAttestation(bundle, {
      apiUrl: options.run.apiUrl,
      repository: options.run.repository,
      token: options.githubToken,
      signal
    })
    if (id) artifact.attestationId = id
  } catch (err) {
    throwIfStopped(signal, `recording the ${options.kind} through the attestations API`)
    const message = `${errorMessage(err)}; the signed bundle is still attached to the image, but \`gh attestation verify\` will not find it`
    if (options.signing === 'required') throw new Error(message, { cause: err })
    options.logger.warning(message)
  }
  return artifact
}

function unsignedArtifact(
  statement: Statement,
  subjects: readonly AttestationSubject[],
  kind: AttestationArtifact['kind']
): AttestationArtifact {
  return {
    kind,
    mediaType: IN_TOTO_MEDIA_TYPE,
    content: Buffer.from(JSON.stringify(statement)),
    predicateType: statement.predicateType,
    subjects: [...subjects],
    signed: false
  }
}

/** signing=required: throw; auto: warn that the statement goes out unsigned. */
function fallBack(signing: SigningMode, logger: Logger, why: string, cause: unknown): Identity {
  if (signing === 'required') throw new Error(`signing=required: ${why}`, { cause })
  logger.warning(`Publishing unsigned: ${why}`)
  return {}
}
