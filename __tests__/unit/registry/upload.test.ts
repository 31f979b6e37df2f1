import { describe, expect, it } from '@jest/globals'
import type { Call, Outcome, RegistrySession } from '../../../src/registry/transport/session.js'
import { BlobUpload, GHCR_MAX_CHUNK } from '../../../src/registry/upload.js'
import { DEFAULT_BACKOFF } from '../../../src/registry/transport/retry.js'

const MiB = 1024 * 1024

/** A session that accepts every upload step and records each one's method and Content-Range. */
function acceptingSession(registry: string, largestBody = 120 * MiB) {
  const steps: string[] = []
  const session = {
    registry,
    largestBody: () => largestBody,
    tryOnce: async (call: Call): Promise<Outcome> => {
      steps.push(`${call.method} ${call.headers?.['content-range'] ?? ''}`.trim())
      const url = new URL('https://registry.example/v2/a/blobs/uploads/session')
      const status = call.method === 'PUT' ? 201 : 202
      return { res: { status, headers: { location: url.href }, body: Buffer.alloc(0), url } }
    }
  }
  return { session: session as unknown as RegistrySession, steps }
}

async function upload(registry: string, size: number, chunkSize?: number, largestBody?: number) {
  const { session, steps } = acceptingSession(registry, largestBody)
  const quiet = { debug: () => {}, info: () => {}, warning: () => {} }
  const ctx = {
    session,
    repository: 'a',
    scopes: [],
    chunkSize,
    maxAttempts: 1,
    backoff: DEFAULT_BACKOFF,
    logger: quiet,
    exists: async () => false
  }
  const data = Buffer.alloc(size)
  const body = {
    size,
    slice: (s: number, e: number) => ({ kind: 'bytes' as const, data: data.subarray(s, e) })
  }
  const desc = { mediaType: 'application/octet-stream', digest: `sha256:${'a'.repeat(64)}`, size }
  await new BlobUpload(ctx, desc, body).upload()
  return steps
}

const range = (start: number, end: number) => `PATCH ${start}-${end - 1}`

describe('blob upload requests', () => {
  it('caps chunks at 4 MiB on ghcr.io, whatever chunk size was asked for', async () => {
    expect(GHCR_MAX_CHUNK).toBe(4 * MiB)
    expect(await upload('ghcr.io', 10 * MiB, 8 * MiB)).toEqual([
      'POST',
      range(0, 4 * MiB),
      range(4 * MiB, 8 * MiB),
      range(8 * MiB, 10 * MiB),
      'PUT'
    ])
  })

  it('keeps the asked chunk size elsewhere', async () => {
    expect(await upload('registry.example', 10 * MiB, 8 * MiB)).toEqual([
      'POST',
      range(0, 8 * MiB),
      range(8 * MiB, 10 * MiB),
      'PUT'
    ])
  })

  it('sends a blob in one PUT when it fits one exchange, on ghcr.io too', async () => {
    expect(await upload('ghcr.io', 5 * MiB)).toEqual(['POST', 'PUT'])
  })

  it('chunks a blob too large for one exchange: 4 MiB on ghcr.io, the largest body elsewhere', async () => {
    expect((await upload('ghcr.io', 9 * MiB, undefined, 8 * MiB)).slice(1, -1)).toEqual([
      range(0, 4 * MiB),
      range(4 * MiB, 8 * MiB),
      range(8 * MiB, 9 * MiB)
    ])
    expect((await upload('registry.example', 9 * MiB, undefined, 8 * MiB)).slice(1, -1)).toEqual([
      range(0, 8 * MiB),
      range(8 * MiB, 9 * MiB)
    ])
  })
})
