/**
 * Deadlines sized by the bytes an exchange moves, and the operation deadline of a whole push. A fixed
 * per-request deadline either kills large transfers on slow links or lets a hung small request hold a
 * slot for minutes; a size-aware one does neither.
 */
import { NetworkError } from './http.js'

export interface DeadlinePolicy {
  /** What any exchange gets, whatever its size (headers, a manifest, a token). */
  baseMs: number
  /** No exchange gets more (ghcr.io drops an upload after 10 minutes). */
  maxMs: number
  /** The slowest transfer rate still considered alive: each byte adds 1/rate to the deadline. */
  floorBytesPerSecond: number
}

export const DEFAULT_DEADLINES: DeadlinePolicy = {
  baseMs: 60 * 1000,
  maxMs: 9 * 60 * 1000,
  floorBytesPerSecond: 256 * 1024
}

/** Smallest chunk a blob too large for one exchange is cut into. */
export const MIN_LARGE_BLOB_CHUNK = 64 * 1024 * 1024

/** The deadline of one exchange that sends or receives `bytes`. */
export function exchangeDeadlineMs(bytes: number, policy: DeadlinePolicy): number {
  const transferMs = Math.ceil((bytes * 1000) / policy.floorBytesPerSecond)
  return Math.min(policy.maxMs, policy.baseMs + transferMs)
}

/**
 * The largest body one exchange can carry at the floor rate within the longest deadline; a larger blob
 * is uploaded in chunks of this size, so a slow link loses one chunk to a timeout, not the whole blob.
 */
export function largestBodyBytes(policy: DeadlinePolicy): number {
  const fits = Math.floor(((policy.maxMs - policy.baseMs) * policy.floorBytesPerSecond) / 1000)
  return Math.max(MIN_LARGE_BLOB_CHUNK, fits)
}

/** The reason an operation deadline aborts with: not retried, and it says which limit to raise. */
export function operationDeadlineError(ms: number, what: string): NetworkError {
  const span = ms >= 60_000 ? `${Math.round(ms / 6000) / 10} min` : `${Math.round(ms / 100) / 10} s`
  return new NetworkError(`${what} did not finish within ${span}`, 'EDEADLINE')
}
