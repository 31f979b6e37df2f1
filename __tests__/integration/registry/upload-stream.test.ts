import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { FaultProxy } from '../../support/registry/fault-proxy.js'
import { recordingClient } from '../../support/registry/helpers.js'
import type { ClientOptions } from '../../../src/registry/index.js'

const MiB = 1024 * 1024
let proxy: FaultProxy

beforeAll(async () => {
  proxy = new FaultProxy(testEnv().registry)
  await proxy.start()
})
afterAll(async () => proxy?.stop())
beforeEach(() => proxy.clear())

interface Produced {
  chunks: AsyncIterable<Uint8Array>
  ended: Promise<{ digest: string; size: number }>
  /** Whether the producer was told to stop (its `return` ran before the end). */
  stopped: () => boolean
}

/** Random chunks of these sizes, produced as they are asked for, as a layer being compressed is. */
function produce(sizes: number[]): Produced {
  const hash = createHash('sha256')
  let size = 0
  let finished = false
  let stopped = false
  let resolve!: (blob: { digest: string; size: number }) => void
  const ended = new Promise<{ digest: string; size: number }>(r => (resolve = r))
  async function* chunks(): AsyncGenerator<Uint8Array> {
    try {
      for (const n of sizes) {
        const chunk = randomBytes(n)
        hash.update(chunk)
        size += n
        yield chunk
        await new Promise(r => setImmediate(r))
      }
      finished = true
      resolve({ digest: `sha256:${hash.digest('hex')}`, size })
    } finally {
      if (!finished) stopped = true
    }
  }
  return { chunks: chunks(), ended, stopped: () => stopped }
}

async function pushStreamed(sizes: number[], opts: ClientOptions = {}) {
  const rec = recordingClient(opts)
  const repo = rec.client.repository(`${proxy.host}/${uniqueRepo('upload-stream')}`)
  const produced = produce(sizes)
  try {
    const outcome = await repo.pushStream(produced.chunks, produced.ended).then(
      blob => ({ blob }),
      (error: unknown) => ({ error })
    )
    const served = 'blob' in outcome ? await servedBlob(repo.path, outcome.blob) : undefined
    return { ...rec, outcome, produced, served }
  } finally {
    rec.client.close()
  }
}

/** The blob as the registry serves it, read past the proxy. */
async function servedBlob(path: string, blob: { digest: string; size: number }): Promise<Buffer> {
  const { client } = recordingClient()
  const dir = await mkdtemp(join(tmpdir(), 'upload-stream-'))
  try {
    const desc = { mediaType: 'application/octet-stream', ...blob }
    await client.repository(`${testEnv().registry}/${path}`).downloadBlob(desc, join(dir, 'blob'))
    return await readFile(join(dir, 'blob'))
  } finally {
    client.close()
    await rm(dir, { recursive: true, force: true })
  }
}

const uploads = () => proxy.log.filter(e => e.path.includes('/blobs/uploads/'))

describe('a stream upload (a layer uploaded while it is compressed)', () => {
  it('sends the bytes as they come in one PATCH in chunked encoding, no Content-Range; the PUT carries nothing', async () => {
    const { outcome, served, requests } = await pushStreamed([MiB, 3, 2 * MiB + 5, 700_000])
    if (!('blob' in outcome)) throw outcome.error
    const size = 3 * MiB + 8 + 700_000
    expect(outcome.blob.size).toBe(size)
    expect(served && createHash('sha256').update(served).digest('hex')).toBe(outcome.blob.digest.slice(7))
    expect(uploads().map(e => e.method)).toEqual(['POST', 'PATCH', 'PUT'])
    const [, patch, put] = uploads()
    expect(patch).toMatchObject({ chunked: true, requestBytes: size, status: 202 })
    expect(patch!.contentRange).toBeUndefined()
    expect(put).toMatchObject({ requestBytes: 0, status: 201 })
    expect(requests.filter(r => r.method === 'PATCH').map(r => r.bytesSent)).toEqual([size])
  })

  it('cuts a blob larger than one exchange may carry into several PATCHes, which the registry appends', async () => {
    // A 61 s longest deadline lets one exchange carry the smallest cut, 64 MiB (see deadline.ts).
    const sizes = [...Array<number>(66).fill(MiB), 1234]
    const { outcome, served, requests } = await pushStreamed(sizes, { requestTimeoutMs: 61_000 })
    if (!('blob' in outcome)) throw outcome.error
    expect(served?.length).toBe(66 * MiB + 1234)
    expect(createHash('sha256').update(served!).digest('hex')).toBe(outcome.blob.digest.slice(7))
    const patches = uploads().filter(e => e.method === 'PATCH')
    expect(patches.map(e => [e.requestBytes, e.chunked, e.contentRange])).toEqual([
      [64 * MiB, true, undefined],
      [2 * MiB + 1234, true, undefined]
    ])
    expect(requests.filter(r => r.method === 'PATCH').map(r => r.bytesSent)).toEqual([
      64 * MiB,
      2 * MiB + 1234
    ])
  })

  it('with a chunk size configured, sends ranged PATCHes of that size and the rest with the PUT', async () => {
    const { outcome, served } = await pushStreamed([MiB, MiB, MiB], { chunkSize: 1536 * 1024 })
    if (!('blob' in outcome)) throw outcome.error
    expect(served?.length).toBe(3 * MiB)
    expect(uploads().map(e => [e.method, e.contentRange, e.requestBytes])).toEqual([
      ['POST', undefined, 0],
      ['PATCH', `0-${1536 * 1024 - 1}`, 1536 * 1024],
      ['PATCH', `${1536 * 1024}-${3 * MiB - 1}`, 1536 * 1024],
      ['PUT', undefined, 0]
    ])
  })

  it('a connection lost mid-PATCH fails the upload at once: not sent again, the producer stopped, the session deleted', async () => {
    proxy.add({ method: 'PATCH', action: { kind: 'reset-request', afterBytes: 1.5 * MiB } })
    const { outcome, produced } = await pushStreamed(Array<number>(8).fill(MiB), { maxAttempts: 4 })
    expect('error' in outcome && String(outcome.error)).toMatch(
      /PATCH .*(EPIPE|ECONNRESET)[^\n]*\nThe connection closed while the body was streamed/
    )
    expect(uploads().filter(e => e.method === 'PATCH')).toHaveLength(1)
    expect(uploads().at(-1)?.method).toBe('DELETE')
    await new Promise(r => setTimeout(r, 50))
    expect(produced.stopped()).toBe(true)
  })

  it('an answer before the body is complete (a refusal) ends the PATCH without waiting for the rest', async () => {
    proxy.add({ method: 'PATCH', action: { kind: 'status', status: 503, early: true } })
    const { outcome, produced } = await pushStreamed(Array<number>(200).fill(MiB), { maxAttempts: 4 })
    expect('error' in outcome && String(outcome.error)).toMatch(/503/)
    const patches = uploads().filter(e => e.method === 'PATCH')
    expect(patches).toHaveLength(1)
    expect(patches[0]!.requestBytes).toBeLessThan(50 * MiB) // of 200: the rest was never sent
    await new Promise(r => setTimeout(r, 50))
    expect(produced.stopped()).toBe(true)
  })

  it('a 202 before the body is complete is no success: the bytes not sent would be lost', async () => {
    proxy.add({
      method: 'PATCH',
      action: { kind: 'status', status: 202, early: true, headers: { location: '/v2/x/blobs/uploads/y' } }
    })
    const { outcome } = await pushStreamed(Array<number>(200).fill(MiB))
    expect('error' in outcome && String(outcome.error)).toMatch(
      /answered 202 before the PATCH's body was sent/
    )
    expect(uploads().map(e => e.method)).toEqual(['POST', 'PATCH', 'DELETE'])
  })

  it('a producer that fails fails the upload with its error, and the session is deleted', async () => {
    const rec = recordingClient()
    const repo = rec.client.repository(`${proxy.host}/${uniqueRepo('upload-stream')}`)
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(MiB)
      throw new Error('the compressor died')
    }
    try {
      const ended = new Promise<never>(() => {})
      await expect(repo.pushStream(failing(), ended)).rejects.toThrow(/the compressor died/)
      expect(uploads().map(e => e.method)).toEqual(['POST', 'PATCH', 'DELETE'])
    } finally {
      rec.client.close()
    }
  })

  it('a producer whose reported size is not what it gave fails the upload, though the digest matched', async () => {
    const rec = recordingClient()
    const repo = rec.client.repository(`${proxy.host}/${uniqueRepo('upload-stream')}`)
    const data = randomBytes(MiB)
    async function* once(): AsyncGenerator<Uint8Array> {
      yield data
    }
    const digest = `sha256:${createHash('sha256').update(data).digest('hex')}`
    try {
      await expect(repo.pushStream(once(), Promise.resolve({ digest, size: MiB + 1 }))).rejects.toThrow(
        `sent ${MiB} bytes of a ${MiB + 1}-byte blob`
      )
    } finally {
      rec.client.close()
    }
  })

  it('a 401 to a streamed PATCH is not answered by sending the bytes again', async () => {
    proxy.add({
      method: 'PATCH',
      action: { kind: 'status', status: 401, headers: { 'www-authenticate': 'Basic realm="test"' } }
    })
    const { outcome } = await pushStreamed([MiB, MiB], { maxAttempts: 4 })
    expect('error' in outcome && String(outcome.error)).toMatch(/401|unauthori/i)
    expect(uploads().filter(e => e.method === 'PATCH')).toHaveLength(1)
  })
})
