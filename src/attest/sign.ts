/** Keyless Sigstore signing of an in-toto statement into a DSSE Sigstore bundle v0.3. */
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle'
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign'
import { InputError } from '../inputs/errors.js'
import type { SigningEndpoints } from './endpoints.js'
import { OIDC_ENV, oidcAvailable } from './oidc.js'
import type { ProvenanceSettings } from './settings.js'
import { IN_TOTO_MEDIA_TYPE, type Statement } from './statement.js'

export const SIGSTORE_BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json'

export const PERMISSIONS_HINT =
  'add `permissions: id-token: write, attestations: write` to the job (pull requests from forks never get an OIDC token)'

/** Whether to sign, and what to say when not. */
export interface SigningDecision {
  sign: boolean
  /** Set when an unsigned statement is published although signing was wanted. */
  warning?: string
}

/**
 * Decided before the build: signing=required without an OIDC token fails here (an InputError naming
 * `provenance`), auto without one publishes unsigned with a warning, off never signs.
 */
export function checkSigningPossible(
  settings: Pick<ProvenanceSettings, 'mode' | 'signing'>,
  env: NodeJS.ProcessEnv
): SigningDecision {
  if (settings.mode === 'off' || settings.signing === 'off') return { sign: false }
  if (oidcAvailable(env)) return { sign: true }
  if (settings.signing === 'required') {
    throw new InputError(
      'provenance',
      `signing=required, but this job cannot get an OIDC token (${OIDC_ENV.url} is not set); ${PERMISSIONS_HINT}, or use signing=auto to publish unsigned provenance`
    )
  }
  const why =
    env.GITHUB_ACTIONS === 'true'
      ? `this job cannot get an OIDC token to sign it with Sigstore; ${PERMISSIONS_HINT}`
      : 'outside GitHub Actions there is no OIDC token to sign it with Sigstore'
  return { sign: false, warning: `Provenance is published unsigned: ${why}` }
}

export interface SignOptions {
  endpoints: SigningEndpoints
  /** The job's OIDC token (audience sigstore). */
  idToken: string
  timeoutMs?: number
  retries?: number
}

/** The statement signed as a DSSE envelope; the bundle as its JSON (v0.3: one certificate, no chain). */
export async function signStatement(statement: Statement, options: SignOptions): Promise<SerializedBundle> {
  const timeout = options.timeoutMs ?? 30_000
  const retry = options.retries ?? 3
  const signer = new FulcioSigner({
    identityProvider: { getToken: () => Promise.resolve(options.idToken) },
    fulcioBaseURL: options.endpoints.fulcioUrl,
    timeout,
    retry
  })
  const witnesses: Witness[] = []
  if (options.endpoints.rekorUrl) {
    witnesses.push(
      new RekorWitness({ rekorBaseURL: options.endpoints.rekorUrl, fetchOnConflict: true, timeout, retry })
    )
  }
  if (options.endpoints.tsaUrl) {
    witnesses.push(new TSAWitness({ tsaBaseURL: options.endpoints.tsaUrl, timeout, retry }))
  }
  const builder = new DSSEBundleBuilder({ signer, witnesses })
  const bundle = await builder.create({
    data: Buffer.from(JSON.stringify(statement)),
    type: IN_TOTO_MEDIA_TYPE
  })
  return bundleToJSON(bundle)
}
