/**
 * Compression with a head start: a layer the builder is still handing over (buildx's OCI tarball on its
 * stdout) is compressed and uploaded to the first target as its bytes pass, instead of after the build.
 * The build waits for the compression (it is the slower), so the handover and the compression overlap.
 *
 * Only what the push would compress anyway is taken: a blob large enough to be a layer's data and,
 * uncompressed, within every target's layer limit (see limits.ts), not one the registry already has (a
 * base image's layer, the tag's previous layer: those are mounted, never recompressed). Everything it
 * starts waits for the push-access check. What it uploads is used only if the bytes match the digest
 * the builder claimed and the built manifest lists that digest as an uncompressed layer (see
 * compress-layers.ts); otherwise the layer is compressed from its file as usual.
 */
import { PassThrough, type Writable } from 'node:stream'
import { join } from 'node:path'
import {
  compressAndPushStream,
  LAYER_MEDIA_TYPE,
  OCI_LAYER,
  type CompressionOptions,
  type Descriptor,
  type KnownLayer,
  type RegistryClient
} from '../registry/index.js'
import type { KnownLayerLookups } from './prefetch.js'
import type { BlobObserver } from '../builders/types.js'
import { errorMessage } from '../errors.js'
import { LayerTooLargeError, sizeLimitFor, targetsLayerLimit, type LayerLimit } from './limits.js'

/** Smaller blobs (configs, manifests, small layers) are left to the push: they compress in no time. */
export const HEAD_START_MIN_SIZE = 1024 * 1024
/** What the sink holds before the build waits: the compression reads 1 MiB blocks. */
const SINK_BUFFER = 4 * 1024 * 1024

export interface HeadStarted {
  desc: Descriptor
  /** The uncompressed bytes compressed: the built layer must be as large (it is checked by digest too). */
  uncompressedSize: number
  /** The compressed bytes, for the other targets (none with one target: the upload is all it needs). */
  spoolPath?: string
}

type OfferedBlob = Parameters<BlobObserver>[0]

export interface HeadStartOptions {
  client: RegistryClient
  /** Target images; the first receives the uploads. */
  images: string[]
  compression: CompressionOptions
  /** The known-layer lookups, which start once push access is checked (they reject if it failed). */
  lookups: Promise<KnownLayerLookups>
  /** A private directory for the spool files. */
  spoolDir: string
  /** The layer-size limit; by default the strictest of the targets' registries (see limits.ts). */
  limit?: LayerLimit
  logger: { debug(msg: string): void }
}

const COMPRESSED_MAGIC = [Buffer.from([0x1f, 0x8b]), Buffer.from([0x28, 0xb5, 0x2f, 0xfd])]

/** The sink's bytes, unless they start like gzip or zstd (a tar never does: it starts with a name). */
async function uncompressedOnly(sink: PassThrough): Promise<AsyncIterable<Uint8Array> | undefined> {
  const chunks = sink[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  const head: Buffer[] = []
  let ended = false
  while (!ended && Buffer.concat(head).length < 4) {
    const next = await chunks.next()
    if (next.done) ended = true
    else head.push(next.value)
  }
  const start = Buffer.concat(head)
  if (COMPRESSED_MAGIC.some(m => start.subarray(0, m.length).equals(m))) return undefined
  return (async function* () {
    yield* head
    if (ended) return
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value
  })()
}

/**
 * The bytes, failing once there are more than `size`: they are not the layer claimed, and must not be
 * taken for one whose compressed bytes passed the size limit.
 */
async function* atMost(source: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let seen = 0
  for await (const chunk of source) {
    seen += chunk.byteLength
    if (seen > size) throw new Error(`it has more than the ${size} bytes claimed`)
    yield chunk
  }
}

type Known = [Map<string, KnownLayer>, Map<string, KnownLayer>]

export class HeadStart {
  private readonly started = new Map<string, Promise<HeadStarted | undefined>>()
  private readonly live = new Set<PassThrough>()
  /** Layers whose compressed bytes passed the limit: the push fails with this, not compress them again. */
  private readonly tooLarge = new Map<string, LayerTooLargeError>()
  private readonly limit?: LayerLimit
  private lookedUp?: Known | 'failed'
  /**
   * Settles when the lookups have. A blob offered before is declined: the build never waits for the
   * registry (a cached rebuild hands its layers over at once, and would compress none of them).
   */
  readonly known: Promise<void>

  constructor(private readonly opts: HeadStartOptions) {
    this.limit = opts.limit ?? targetsLayerLimit(opts.client, opts.images)
    this.known = opts.lookups
      .then(l => Promise.all([l.base, l.previous]))
      .then(
        known => void (this.lookedUp = known),
        () => void (this.lookedUp = 'failed') // no push access (the check reports it): nothing starts
      )
  }

  /** A BlobObserver (see builders/types.ts). */
  readonly offer = (blob: OfferedBlob): Promise<Writable | undefined> => Promise.resolve(this.sinkFor(blob))

  private sinkFor(blob: OfferedBlob): Writable | undefined {
    if (blob.size < HEAD_START_MIN_SIZE || this.started.has(blob.digest)) return undefined
    // A larger layer is left to the push, which fails it if its compressed bytes pass the limit.
    if (this.limit && blob.size > this.limit.bytes) return undefined
    if (!this.wouldCompress(blob.digest)) return undefined
    const sink = new PassThrough({ highWaterMark: SINK_BUFFER })
    sink.on('error', () => {}) // a build that stops handing it over: compress() sees it and gives up
    this.live.add(sink)
    const compressing = this.compress(blob, sink)
    this.started.set(blob.digest, compressing)
    void compressing.finally(() => this.live.delete(sink))
    return sink
  }

  /** Stops what is still being handed over or compressed (a failed build, or the push is done). */
  cancel(): void {
    for (const sink of this.live) sink.destroy(new Error('no longer needed'))
  }

  /**
   * The layer compressed and uploaded while it was handed over, if it was and all went well; rejects
   * when its compressed bytes passed the limit.
   */
  take(diffId: string): Promise<HeadStarted | undefined> | undefined {
    return this.started.get(diffId)?.then(started => {
      const tooLarge = this.tooLarge.get(diffId)
      if (tooLarge) throw tooLarge
      return started
    })
  }

  /** Settles once nothing it started is running any more (nor what was offered meanwhile). */
  async settled(): Promise<void> {
    for (let count = -1; count !== this.started.size;) {
      count = this.started.size
      await Promise.all(this.started.values())
    }
  }

  private wouldCompress(digest: string): boolean {
    if (this.opts.compression.compression === 'uncompressed') return false
    if (!this.lookedUp || this.lookedUp === 'failed') return false
    const [base, previous] = this.lookedUp
    const wanted = LAYER_MEDIA_TYPE[this.opts.compression.compression]
    const inBase = base.has(digest) || [...base.values()].some(k => k.desc.digest === digest)
    return !inBase && previous.get(digest)?.desc.mediaType !== wanted
  }

  private async compress(blob: OfferedBlob, sink: PassThrough): Promise<HeadStarted | undefined> {
    const { images, client, compression, logger } = this.opts
    const hex = blob.digest.slice('sha256:'.length)
    const spoolPath = images.length > 1 ? join(this.opts.spoolDir, hex) : undefined
    try {
      const repo = client.repository(images[0]!)
      const source = await uncompressedOnly(sink)
      if (!source) throw new Error('it is compressed already (a base layer the lookups did not know)')
      const layer = { mediaType: OCI_LAYER, digest: blob.digest, size: blob.size }
      const limit = this.limit && sizeLimitFor(this.limit, layer, compression.compression)
      const claimed = atMost(source, blob.size)
      const pushed = await compressAndPushStream({ repo, source: claimed, spoolPath, compression, limit })
      const { digest, size } = pushed.uncompressed
      if (digest !== blob.digest || size !== blob.size)
        throw new Error(`its bytes are ${digest} (${size} bytes)`)
      logger.debug(`${blob.digest} compressed to ${pushed.desc.digest} while the build handed it over`)
      return { desc: pushed.desc, uncompressedSize: size, ...(spoolPath ? { spoolPath } : {}) }
    } catch (error) {
      const tooLarge = error instanceof LayerTooLargeError
      if (tooLarge) this.tooLarge.set(blob.digest, error)
      const next = tooLarge ? 'the push fails' : 'compressing it after the build'
      logger.debug(`${blob.digest} was not compressed ahead (${errorMessage(error)}): ${next}`)
      sink.destroy() // the builder's side skips the rest of it
      return undefined
    }
  }
}
