import { afterEach, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Writable } from 'node:stream'
import { gunzipSync } from 'node:zlib'
import { HeadStart, HEAD_START_MIN_SIZE } from '../../../src/publish/head-start.js'
import type { KnownLayerLookups } from '../../../src/publish/prefetch.js'
import type { LayerLimit } from '../../../src/publish/limits.js'
import {
  compressAndPush,
  compressToFile,
  sha256Digest,
  type KnownLayer
} from '../../../src/registry/index.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { recordingClient } from '../../support/registry/helpers.js'

const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip'
const dirs: string[] = []
const clients: Array<{ close(): void }> = []

afterEach(async () => {
  for (const client of clients.splice(0)) client.close()
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true })
})

function lookups(base = new Map<string, KnownLayer>(), previous = new Map<string, KnownLayer>()) {
  return Promise.resolve<KnownLayerLookups>({
    baseRefs: [],
    base: Promise.resolve(base),
    previous: Promise.resolve(previous)
  })
}

async function setUp(
  images = 1,
  known?: Promise<KnownLayerLookups>,
  registry = testEnv().registry,
  limit?: LayerLimit
) {
  const recording = recordingClient({ chunkSize: 1024 * 1024 })
  clients.push(recording.client)
  const spoolDir = await mkdtemp(join(tmpdir(), 'head-start-'))
  dirs.push(spoolDir)
  const targets = Array.from({ length: images }, () => `${registry}/${uniqueRepo('head-start')}`)
  const headStart = new HeadStart({
    client: recording.client,
    images: targets,
    compression: { compression: 'gzip' },
    lookups: known ?? lookups(),
    spoolDir,
    logger: { debug: () => {} },
    ...(limit ? { limit } : {})
  })
  await headStart.known
  return { ...recording, headStart, targets, spoolDir }
}

/** Half random, half text: stored and deflated blocks both. */
function layer(size = 3 * 1024 * 1024): { bytes: Buffer; digest: string } {
  const bytes = Buffer.concat([randomBytes(size / 2), Buffer.alloc(size / 2, 'layer data ')])
  return { bytes, digest: sha256Digest(bytes) }
}

/**
 * What the tar watcher does: writes the bytes to the sink in pieces, honouring backpressure, and ends it
 * (or destroys it: the tarball ended early); a sink destroyed by its reader gets nothing more.
 */
async function feed(sink: Writable, bytes: Buffer, until = bytes.length): Promise<void> {
  for (let at = 0; at < until && !sink.destroyed; at += 100_000) {
    if (!sink.write(bytes.subarray(at, Math.min(at + 100_000, until))))
      await new Promise(r => (sink.once('drain', r), sink.once('close', r)))
  }
  if (sink.destroyed) return
  if (until === bytes.length) sink.end()
  else sink.destroy(new Error('the tarball ended inside the blob'))
}

describe('HeadStart (real registry)', () => {
  it('compresses and uploads a layer as it is handed over: the same blob the push would make', async () => {
    const { headStart, targets, client } = await setUp()
    const { bytes, digest } = layer()
    const sink = await headStart.offer({ digest, size: bytes.length })
    expect(sink).toBeDefined()
    await feed(sink!, bytes)
    const started = await headStart.take(digest)
    expect(started?.spoolPath).toBeUndefined()
    const served = await client.repository(targets[0]!).getBlob(started!.desc.digest)
    expect(gunzipSync(served).equals(bytes)).toBe(true)
    expect(started!.desc).toEqual({ mediaType: GZIP, digest: sha256Digest(served), size: served.length })
    // Deterministic: compressing the file after the build gives the same digest.
    const dir = await mkdtemp(join(tmpdir(), 'head-start-file-'))
    dirs.push(dir)
    await writeFile(join(dir, 'layer'), bytes)
    const fromFile = await compressAndPush({
      repo: client.repository(targets[0]!),
      tarPath: join(dir, 'layer'),
      spoolPath: join(dir, 'spool'),
      compression: { compression: 'gzip' }
    })
    expect(fromFile).toEqual(started!.desc)
  })

  it('spools the compressed bytes for the other targets when there are several', async () => {
    const { headStart } = await setUp(2)
    const { bytes, digest } = layer()
    await feed((await headStart.offer({ digest, size: bytes.length }))!, bytes)
    const started = await headStart.take(digest)
    const spooled = await readFile(started!.spoolPath!)
    expect(sha256Digest(spooled)).toBe(started!.desc.digest)
  })

  it('leaves small blobs and the layers the registry has to the push, and sends nothing for them', async () => {
    const big = layer()
    const base = layer()
    const previous = layer()
    const compressedBase = layer()
    const knownLayer = (digest: string, mediaType = GZIP): KnownLayer => ({
      desc: { mediaType, digest, size: 1 },
      repository: `${testEnv().registry}/base/x`
    })
    const known = lookups(
      new Map([
        [base.digest, knownLayer('sha256:' + 'a'.repeat(64))],
        ['sha256:' + 'b'.repeat(64), knownLayer(compressedBase.digest)]
      ]),
      new Map([[previous.digest, knownLayer('sha256:' + 'c'.repeat(64))]])
    )
    const { headStart, requests } = await setUp(1, known)
    const small = randomBytes(HEAD_START_MIN_SIZE - 1)
    expect(await headStart.offer({ digest: sha256Digest(small), size: small.length })).toBeUndefined()
    // By diffID (a base layer), by compressed digest (BuildKit keeps pulled base layers compressed).
    expect(await headStart.offer({ digest: base.digest, size: base.bytes.length })).toBeUndefined()
    expect(await headStart.offer({ digest: compressedBase.digest, size: 3 << 20 })).toBeUndefined()
    expect(await headStart.offer({ digest: previous.digest, size: previous.bytes.length })).toBeUndefined()
    expect(requests).toEqual([])
    // The tag's previous layer in another compression is compressed again, as the push would.
    const zstdBefore = lookups(
      new Map(),
      new Map([[big.digest, knownLayer('sha256:' + 'd'.repeat(64), 'x+zstd')]])
    )
    const other = await setUp(1, zstdBefore)
    expect(await other.headStart.offer({ digest: big.digest, size: big.bytes.length })).toBeDefined()
  })

  it('declines what is offered before the lookups are known: the build never waits for the registry', async () => {
    const recording = recordingClient()
    clients.push(recording.client)
    const headStart = new HeadStart({
      client: recording.client,
      images: [`${testEnv().registry}/${uniqueRepo('head-start')}`],
      compression: { compression: 'gzip' },
      lookups: new Promise(() => {}), // the access check is still running
      spoolDir: tmpdir(),
      logger: { debug: () => {} }
    })
    const { bytes, digest } = layer()
    expect(await headStart.offer({ digest, size: bytes.length })).toBeUndefined()
    expect(recording.requests).toEqual([])
  })

  it('starts nothing for a layer larger than the limit uncompressed: the push compresses it, checking its compressed bytes', async () => {
    const recording = recordingClient()
    clients.push(recording.client)
    const headStartFor = (limit?: LayerLimit) =>
      new HeadStart({
        client: recording.client,
        images: [`${testEnv().registry}/${uniqueRepo('head-start')}`],
        compression: { compression: 'gzip' },
        lookups: lookups(),
        spoolDir: tmpdir(),
        logger: { debug: () => {} },
        ...(limit ? { limit } : {})
      })
    const limited = headStartFor({ registry: 'docker.pkg.github.com', bytes: 5 * 1000 ** 3, name: '5 GB' })
    await limited.known
    const digest = sha256Digest(Buffer.from('a layer of 5 GB and one byte'))
    expect(await limited.offer({ digest, size: 5 * 1000 ** 3 + 1 })).toBeUndefined()
    expect(recording.requests).toEqual([])
    // The same layer with no limit is taken (and let go at once).
    const unlimited = headStartFor()
    await unlimited.known
    expect(await unlimited.offer({ digest, size: 5 * 1000 ** 3 + 1 })).toBeDefined()
    unlimited.cancel()
    await unlimited.settled()
  })

  it('takes the strictest limit of its targets by default: nothing starts for a layer over it', async () => {
    const recording = recordingClient()
    clients.push(recording.client)
    const local = `${testEnv().registry}/${uniqueRepo('head-start')}`
    const spoolDir = await mkdtemp(join(tmpdir(), 'head-start-'))
    dirs.push(spoolDir)
    // docker.pkg.github.com takes layers of at most 5 GB (limits.ts); only the first target is uploaded to.
    const headStart = new HeadStart({
      client: recording.client,
      images: [local, 'docker.pkg.github.com/acme/app/image'],
      compression: { compression: 'gzip' },
      lookups: lookups(),
      spoolDir,
      logger: { debug: () => {} }
    })
    await headStart.known
    const digest = sha256Digest(Buffer.from('a layer of 5 GB and one byte'))
    expect(await headStart.offer({ digest, size: 5 * 1000 ** 3 + 1 })).toBeUndefined()
    expect(recording.requests).toEqual([])
    // At the limit, it is taken (and let go at once).
    expect(await headStart.offer({ digest, size: 5 * 1000 ** 3 })).toBeDefined()
    headStart.cancel()
    await headStart.settled()
  })

  it('gives up a layer whose compressed bytes pass the limit: nothing is stored, and take() fails with the limit (not compressed again)', async () => {
    const limit = { registry: 'ghcr.io', bytes: 2 * 1024 * 1024, name: '2 MiB' }
    const { headStart, targets, client, count } = await setUp(1, undefined, undefined, limit)
    // Random: its compressed form is a little larger than it, and it is exactly the limit.
    const bytes = randomBytes(limit.bytes)
    const digest = sha256Digest(bytes)
    const sink = await headStart.offer({ digest, size: bytes.length })
    expect(sink).toBeDefined()
    await feed(sink!, bytes)
    await expect(headStart.take(digest)).rejects.toThrow(
      /^ghcr\.io accepts layers of at most 2 MiB; the layer sha256:/
    )
    expect(count('POST', /blobs\/uploads/)).toBe(1)
    expect(count('PUT', /blobs\/uploads/)).toBe(0)
    const dir = await mkdtemp(join(tmpdir(), 'head-start-limit-'))
    dirs.push(dir)
    await writeFile(join(dir, 'layer'), bytes)
    const whole = await compressToFile(join(dir, 'layer'), join(dir, 'gz'), { compression: 'gzip' })
    expect(whole.size).toBeGreaterThan(limit.bytes)
    expect(await client.repository(targets[0]!).blobExists(whole.digest)).toBe(false)
  })

  it('takes no "too large" from more bytes than the blob claimed: that layer is compressed after the build', async () => {
    const limit = { registry: 'ghcr.io', bytes: 2 * 1024 * 1024, name: '2 MiB' }
    const { headStart } = await setUp(1, undefined, undefined, limit)
    // Claimed: 1 MiB. Handed over: 3 MiB of random bytes, which compress past the limit.
    const bytes = randomBytes(3 * 1024 * 1024)
    const digest = sha256Digest(bytes.subarray(0, 1024 * 1024))
    const sink = await headStart.offer({ digest, size: 1024 * 1024 })
    expect(sink).toBeDefined()
    await feed(sink!, bytes)
    expect(await headStart.take(digest)).toBeUndefined()
  })

  it('cancel() stops a layer still being handed over, and the build side is let go', async () => {
    const { headStart } = await setUp()
    const { bytes, digest } = layer(12 * 1024 * 1024)
    const sink = (await headStart.offer({ digest, size: bytes.length }))!
    // Part of it, and no end: without the cancel, this layer would never finish.
    sink.write(bytes.subarray(0, 2 * 1024 * 1024))
    await new Promise(r => setTimeout(r, 50))
    headStart.cancel()
    expect(sink.destroyed).toBe(true)
    await headStart.settled()
    expect(await headStart.take(digest)).toBeUndefined()
  })

  it('starts nothing when push access failed (the lookups reject)', async () => {
    const denied = Promise.reject(new Error('denied'))
    denied.catch(() => {})
    const { headStart, requests } = await setUp(1, denied)
    const { bytes, digest } = layer()
    expect(await headStart.offer({ digest, size: bytes.length })).toBeUndefined()
    expect(requests).toEqual([])
    await headStart.settled()
  })

  it('drops a layer whose bytes are not the claimed digest, and one the build stopped handing over', async () => {
    const { headStart } = await setUp()
    const claimed = layer()
    const other = layer()
    await feed((await headStart.offer({ digest: claimed.digest, size: claimed.bytes.length }))!, other.bytes)
    expect(await headStart.take(claimed.digest)).toBeUndefined()
    const cut = layer()
    await feed((await headStart.offer({ digest: cut.digest, size: cut.bytes.length }))!, cut.bytes, 1_000_000)
    expect(await headStart.take(cut.digest)).toBeUndefined()
    await headStart.settled()
  })

  it('drops a blob that is compressed already (a base layer the lookups missed), uploading nothing', async () => {
    const { headStart, requests } = await setUp()
    const gzipped = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), randomBytes(2 * 1024 * 1024)])
    const sink = await headStart.offer({ digest: sha256Digest(gzipped), size: gzipped.length })
    await feed(sink!, gzipped)
    expect(await headStart.take(sha256Digest(gzipped))).toBeUndefined()
    expect(requests).toEqual([])
  })

  it('lets go of the bytes after its upload failed, so that the build is never held up', async () => {
    // Nothing listens on port 9: the upload fails at once.
    const { headStart } = await setUp(1, undefined, '127.0.0.1:9')
    // More than the sink holds: a sink nobody reads would stop the feeding.
    const { bytes, digest } = layer(12 * 1024 * 1024)
    const sink = await headStart.offer({ digest, size: bytes.length })
    await feed(sink!, bytes)
    expect(await headStart.take(digest)).toBeUndefined()
  })
})
