import { describe, expect, it } from '@jest/globals'
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../src/registry/transport/http.js'
import { RegistrySession } from '../../../src/registry/transport/session.js'
import {
  DEFAULT_DEADLINES,
  exchangeDeadlineMs,
  largestBodyBytes,
  MIN_LARGE_BLOB_CHUNK
} from '../../../src/registry/transport/deadline.js'
import { DEFAULT_BACKOFF } from '../../../src/registry/transport/retry.js'

const MiB = 1024 * 1024
const policy = { baseMs: 1000, maxMs: 100_000, floorBytesPerSecond: MiB }

describe('exchange deadlines sized by bytes', () => {
  it('gives the base to a body-less exchange and one second more per MiB at the floor rate', () => {
    expect(exchangeDeadlineMs(0, policy)).toBe(1000)
    expect(exchangeDeadlineMs(3 * MiB, policy)).toBe(4000)
    expect(exchangeDeadlineMs(1, policy)).toBe(1001)
  })

  it('never goes past the longest deadline', () => {
    expect(exchangeDeadlineMs(99 * MiB, policy)).toBe(100_000)
    expect(exchangeDeadlineMs(1024 * MiB, policy)).toBe(100_000)
  })

  it('defaults: 60 s, plus 4 s per MiB (256 KiB/s), at most 9 min', () => {
    expect(exchangeDeadlineMs(0, DEFAULT_DEADLINES)).toBe(60_000)
    expect(exchangeDeadlineMs(MiB, DEFAULT_DEADLINES)).toBe(64_000)
    expect(exchangeDeadlineMs(1024 * MiB, DEFAULT_DEADLINES)).toBe(540_000)
  })

  it('cuts blobs that cannot cross in one exchange at the floor rate, never below 64 MiB', () => {
    // (540 s - 60 s) × 256 KiB/s = 120 MiB.
    expect(largestBodyBytes(DEFAULT_DEADLINES)).toBe(120 * MiB)
    expect(largestBodyBytes({ ...policy, floorBytesPerSecond: 1024 })).toBe(MIN_LARGE_BLOB_CHUNK)
    expect(largestBodyBytes({ ...policy, maxMs: 1000 + 100_000 })).toBe(100 * MiB)
  })
})

describe('the session sizes each deadline by what the exchange carries', () => {
  function session() {
    const deadlines: number[] = []
    const transport = {
      isLoopback: async () => true,
      send: async (req: HttpRequest): Promise<HttpResponse> => {
        deadlines.push(req.deadlineMs)
        return { status: 200, headers: {}, body: Buffer.from('{}'), url: req.url }
      }
    }
    const quiet = { debug: () => {}, info: () => {}, warning: () => {} }
    const s = new RegistrySession({
      registry: '127.0.0.1:5000',
      transport: transport as unknown as HttpTransport,
      maxAttempts: 1,
      deadlines: policy,
      idleTimeoutMs: 1000,
      backoff: DEFAULT_BACKOFF,
      logger: quiet,
      secret: () => {}
    })
    return { s, deadlines }
  }

  it('request bodies and expected response bytes both count', async () => {
    const { s, deadlines } = session()
    const common = { target: '/v2/a/blobs/x', scopes: [], expect: [200] }
    await s.call({ ...common, method: 'HEAD' })
    await s.call({ ...common, method: 'PUT', body: { kind: 'bytes', data: Buffer.alloc(2 * MiB) } })
    await s.call({ ...common, method: 'GET', responseBytes: 5 * MiB })
    // The first exchange is the /v2/ ping.
    expect(deadlines).toEqual([1000, 1000, 3000, 6000])
  })
})
