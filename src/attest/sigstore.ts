/**
 * Keyless Sigstore signing of an in-toto statement into a DSSE Sigstore bundle v0.3. Loaded only when a
 * run signs (a dynamic import): @sigstore/sign and its HTTP stack are most of the bundle's start-up cost.
 */
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle'
import { DSSEBundleBuilder, FulcioSigner, RekorWitness, TSAWitness, type Witness } from '@sigstore/sign'
import type { SigningEndpoints } from './endpoints.js'
import { IN_TOTO_MEDIA_TYPE, type Statement } from './statement.js'

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
