/** When to try a request again, and how long to wait first. */
import type { RegistryErrorDetail } from './errors.js'

export interface BackoffOptions {
  initialMs: number
  maxMs: number
  /** A server asking for a longer pause than this makes us give up instead of waiting. */
  maxRetryAfterMs: number
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 500, maxMs: 20_000, maxRetryAfterMs: 120_000 }

const RETRYABLE_CODES = new Set(['TOOMANYREQUESTS', 'UNAVAILABLE'])

export function isRetryableStatus(status: number, details: RegistryErrorDetail[] = []): boolean {
  if (status === 408 || status === 429) return true
  if (status >= 500 && status !== 501 && status !== 505) return true
  return details.some(d => RETRYABLE_CODES.has(d.code))
}

/** Exponential backoff with jitter: uniformly in [½, 1] × initial × 2^(attempt-1), capped. */
export function backoffDelay(attempt: number, opts: BackoffOptions, random = Math.random): number {
  const ceiling = Math.min(opts.maxMs, opts.initialMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling * (0.5 + random() / 2))
}

/**
 * The pause the server asked for: `Retry-After` in seconds or as an HTTP date, else ghcr.io's
 * `retry-after: 10.487765ms` inside an error message. Undefined when it did not say.
 */
export function serverRetryDelay(
  retryAfterHeader: string | undefined,
  details: RegistryErrorDetail[],
  now = Date.now()
): number | undefined {
  const fromHeader = parseRetryAfter(retryAfterHeader, now)
  if (fromHeader !== undefined) return fromHeader
  for (const d of details) {
    const m = /retry-after:\s*([0-9.]+[a-zµμ]+(?:[0-9.]+[a-zµμ]+)*)/i.exec(d.message)
    const ms = m ? parseGoDuration(m[1]!) : undefined
    if (ms !== undefined) return ms
  }
  return undefined
}

export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? undefined : Math.max(0, date - now)
}

const GO_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000
}

/** Go's time.Duration text (`1.5s`, `10.487765ms`, `2m3s`) in milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const parts = [...text.matchAll(/([0-9]*\.?[0-9]+)([a-zµμ]+)/gi)]
  if (parts.length === 0 || parts.map(p => p[0]).join('') !== text) return undefined
  let total = 0
  for (const [, amount, unit] of parts) {
    const factor = GO_UNITS[unit!.toLowerCase()]
    if (factor === undefined) return undefined
    total += Number(amount) * factor
  }
  return total
}

export function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
