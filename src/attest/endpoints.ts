/** Which Sigstore instance signs, and where it is: the rule of @actions/attest, overridable by env. */
import type { RunContext } from './context.js'

export type SigstoreInstance = 'public-good' | 'github'

export interface SigningEndpoints {
  instance: SigstoreInstance
  fulcioUrl: string
  /** Transparency log (public-good only, as @actions/attest does). */
  rekorUrl?: string
  /** RFC 3161 timestamp authority (GitHub's instance). */
  tsaUrl?: string
}

/** Environment variables that override the instance or its URLs (tests, private Sigstore deployments). */
export const SIGSTORE_ENV = {
  instance: 'PUBLISH_IMAGE_SIGSTORE_INSTANCE',
  fulcio: 'PUBLISH_IMAGE_FULCIO_URL',
  rekor: 'PUBLISH_IMAGE_REKOR_URL',
  tsa: 'PUBLISH_IMAGE_TSA_URL'
} as const

const PUBLIC_GOOD = { fulcioUrl: 'https://fulcio.sigstore.dev', rekorUrl: 'https://rekor.sigstore.dev' }

/** Public repositories sign with public-good Sigstore; private, internal and unknown ones with GitHub's. */
export function sigstoreInstance(
  run: Pick<RunContext, 'repositoryVisibility'>,
  env: NodeJS.ProcessEnv
): SigstoreInstance {
  const forced = (env[SIGSTORE_ENV.instance] ?? '').trim()
  if (forced === 'public-good' || forced === 'github') return forced
  if (forced) {
    throw new Error(`${SIGSTORE_ENV.instance}='${forced}' is not an instance; use public-good or github`)
  }
  return run.repositoryVisibility === 'public' ? 'public-good' : 'github'
}

/**
 * The instance's services and URLs: public-good signs with Fulcio and logs in Rekor; GitHub's signs with
 * its Fulcio and timestamps with its TSA. A PUBLISH_IMAGE_*_URL variable moves a service the instance uses
 * (a test, a private deployment); it adds none.
 */
export function signingEndpoints(
  run: Pick<RunContext, 'repositoryVisibility' | 'serverUrl'>,
  env: NodeJS.ProcessEnv
): SigningEndpoints {
  const instance = sigstoreInstance(run, env)
  const override = (name: string) => (env[name] ?? '').trim() || undefined
  if (instance === 'public-good') {
    return {
      instance,
      fulcioUrl: override(SIGSTORE_ENV.fulcio) ?? PUBLIC_GOOD.fulcioUrl,
      rekorUrl: override(SIGSTORE_ENV.rekor) ?? PUBLIC_GOOD.rekorUrl
    }
  }
  const github = githubEndpoints(run.serverUrl)
  return {
    instance,
    fulcioUrl: override(SIGSTORE_ENV.fulcio) ?? github.fulcioUrl,
    tsaUrl: override(SIGSTORE_ENV.tsa) ?? github.tsaUrl
  }
}

/** github.com → fulcio.githubapp.com; GHE.com (acme.ghe.com) and GHES → fulcio.<host>. */
function githubEndpoints(serverUrl: string): { fulcioUrl: string; tsaUrl: string } {
  let host = new URL(serverUrl || 'https://github.com').hostname
  if (host === 'github.com') host = 'githubapp.com'
  return { fulcioUrl: `https://fulcio.${host}`, tsaUrl: `https://timestamp.${host}` }
}
