import { describe, expect, it } from '@jest/globals'
import {
  DEFAULT_BACKOFF,
  backoffDelay,
  isRetryableStatus,
  parseGoDuration,
  parseRetryAfter,
  serverRetryDelay
} from '../../../src/registry/transport/retry.js'

describe('retry policy', () => {
  it.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    [501, false],
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [416, false]
  ])('status %d retryable: %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected)
  })

  it('retries the TOOMANYREQUESTS code whatever the status', () => {
    expect(isRetryableStatus(403, [{ code: 'TOOMANYREQUESTS', message: '' }])).toBe(true)
  })

  it('backs off exponentially with jitter, capped', () => {
    const opts = { ...DEFAULT_BACKOFF, initialMs: 100, maxMs: 1000 }
    expect(backoffDelay(1, opts, () => 0)).toBe(50)
    expect(backoffDelay(1, opts, () => 1)).toBe(100)
    expect(backoffDelay(3, opts, () => 1)).toBe(400)
    expect(backoffDelay(10, opts, () => 1)).toBe(1000)
    const samples = Array.from({ length: 50 }, () => backoffDelay(2, opts))
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(100)
    expect(Math.max(...samples)).toBeLessThanOrEqual(200)
    expect(new Set(samples).size).toBeGreaterThan(1)
  })

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')
    expect(parseRetryAfter('3', now)).toBe(3000)
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:05 GMT', now)).toBe(5000)
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
  })

  it("reads ghcr.io's retry-after inside a message when the header is absent", () => {
    const details = [{ code: 'TOOMANYREQUESTS', message: 'retry-after: 10.487765ms, allowed: 2000/minute' }]
    expect(serverRetryDelay(undefined, details)).toBeCloseTo(10.487765)
    expect(serverRetryDelay('2', details)).toBe(2000)
    expect(serverRetryDelay(undefined, [{ code: 'X', message: 'no hint' }])).toBeUndefined()
  })

  it.each([
    ['10.487765ms', 10.487765],
    ['1.5s', 1500],
    ['2m3s', 123_000],
    ['500µs', 0.5],
    ['1h', 3_600_000],
    ['3x', undefined],
    ['abc', undefined]
  ])('Go duration %s', (text, ms) => {
    const parsed = parseGoDuration(text)
    if (ms === undefined) expect(parsed).toBeUndefined()
    else expect(parsed).toBeCloseTo(ms)
  })
})
