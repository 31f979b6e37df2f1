/**
 * The attestation phase stops with the publish: its signal fires when the job is cancelled or the
 * `push-timeout` deadline passes (the registry client's signal). It runs before any tag moves.
 */
import { errorMessage } from '../errors.js'

/** Throws, once `signal` fired, an error naming what it stopped and why (a cancel, the push-timeout). */
export function throwIfStopped(signal: AbortSignal | undefined, what: string): void {
  if (!signal?.aborted) return
  const why: unknown = signal.reason
  throw new Error(`${what} was stopped before any tag moved: ${errorMessage(why)}`, { cause: why })
}

/** A timeout's signal, also firing with `signal` when there is one. */
export function withTimeout(ms: number, signal: AbortSignal | undefined): AbortSignal {
  const timeout = AbortSignal.timeout(ms)
  return signal ? AbortSignal.any([timeout, signal]) : timeout
}
