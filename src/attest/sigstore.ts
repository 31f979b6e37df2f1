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
  /** Stops waiting for Fulcio, Rekor and the TSA (a cancelled run, the push-timeout). */
  signal?: AbortSignal
}

/** The statement signed as a DSSE envelope; the bundle as its JSON (v0.3: one certificate, no chain). */
export async function signStatement(statement: Statement, options: SignOptions): Promise<SerializedBundle> {
  options.signal?.throwIfAborted()
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
  const bundle = await unlessAborted(
    builder.create({ data: Buffer.from(JSON.stringify(statement)), type: IN_TOTO_MEDIA_TYPE }),
    options.signal
  )
  return bundleToJSON(bundle)
}

/**
 * `work`, or the signal's reason as soon as it fires. @sigstore/sign 4 takes no AbortSignal (its
 * signers and witnesses accept only `timeout` and `retry`; make-fetch-happen is called without one),
 * so the Fulcio, Rekor and TSA requests are raced, not aborted: they are abandoned and end at their own
 * timeout, but the step no longer waits for them.
 */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work
  return new Promise<T>((resolve, reject) => {
    const stop = () => reject(signal.reason as Error)
    if (signal.aborted) stop()
    signal.addEventListener('abort', stop, { once: true })
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop))
  })
}
