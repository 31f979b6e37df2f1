/** Whether this run signs: decided before the build (signing itself is in sigstore.ts). */
import { InputError } from '../inputs/errors.js'
import { OIDC_ENV, oidcAvailable } from './oidc.js'
import type { ProvenanceSettings } from './settings.js'

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
  env: NodeJS.ProcessEnv,
  /** What the warning says is unsigned: `Provenance`, `The SBOMs`… */
  what = 'Provenance'
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
      ? `this job cannot get an OIDC token to sign with Sigstore; ${PERMISSIONS_HINT}`
      : 'outside GitHub Actions there is no OIDC token to sign with Sigstore'
  const verb = /^Provenance$/.test(what) ? 'is' : 'are'
  return { sign: false, warning: `${what} ${verb} published unsigned: ${why}` }
}
