/**
 * One compression pass, pipelined with the upload: an uncompressed layer tar is compressed (see
 * compress/) while its bytes go to the registry, and written to a spool file for the other targets.
 * If the streamed upload fails, the layer is compressed again (deterministic: the same bytes) into the
 * spool and uploaded from it with the resumable upload — unless the push is being stopped (cancel,
 * push-timeout): then the failure is the stop's, and nothing is compressed again. Nor when the
 * compressed bytes passed the target's size limit: that is the failure.
 */
import { createReadStream } from 'node:fs'
import { createHash } from 'node:crypto'
import { open, rm, type FileHandle } from 'node:fs/promises'
import type { Logger } from './types.js'
import type { Descriptor } from './oci/types.js'
import type { Repository } from './repository.js'
import { compressStream, type CompressedBlob, type CompressionOptions } from './compress/index.js'
import { readAhead } from './compress/read-ahead.js'

const READ_CHUNK = 1024 * 1024
/** Compressed bytes produced ahead of the upload, so compression does not wait for each request. */
const READ_AHEAD = 4 * 1024 * 1024

export interface CompressPushRequest {
  repo: Repository
  /** The uncompressed layer (a tar). */
  tarPath: string
  /** Where the compressed bytes are written too; the caller renames it once the digest is known. */
  spoolPath: string
  /**
   * false: the compressed bytes are not written to the spool while they stream (one target needs no
   * copy); the spool is written only by the fallback, when the streamed upload failed.
   */
  spool?: boolean
  compression: CompressionOptions
  logger?: Pick<Logger, 'info'>
  /**
   * The push's stop (the client's signal, or another layer's failure): it ends the streamed upload
   * between two chunks, and once it has fired a failed upload is not tried again.
   */
  signal?: AbortSignal
  /** The most compressed bytes the target takes: the upload stops once they pass it, and is not tried again. */
  limit?: SizeLimit
}

export interface SizeLimit {
  bytes: number
  /** The failure of a layer whose compressed bytes passed `bytes`. */
  exceeded(): Error
}

/**
 * Counts compressed bytes against a SizeLimit. The error is kept: it is the failure, whatever the
 * upload it stopped reports.
 */
class SizeCheck {
  private bytes = 0
  error?: Error

  constructor(private readonly limit: SizeLimit | undefined) {}

  add(bytes: number): void {
    this.bytes += bytes
    if (this.limit && this.bytes > this.limit.bytes) throw (this.error ??= this.limit.exceeded())
  }
}

/** Returns the compressed layer's descriptor, once it is in `repo` and in the spool file. */
export async function compressAndPush(req: CompressPushRequest): Promise<Descriptor> {
  req.signal?.throwIfAborted() // stopped while it waited its turn: no upload started for nothing
  const spool = req.spool === false ? undefined : await open(req.spoolPath, 'w')
  const check = new SizeCheck(req.limit)
  try {
    const source = readTar(req.tarPath)
    return await pushCompressed(req.repo, source, req.compression, spool, check, req.signal)
  } catch (error) {
    if (check.error || req.signal?.aborted) throw error
    req.logger?.info(
      `The upload of ${req.tarPath} while it was compressed failed (${error instanceof Error ? error.message : String(error)}); compressing it again into a file and uploading that.`
    )
    await spool?.close().catch(() => {})
    return compressToFileAndPush(req)
  } finally {
    await spool?.close().catch(() => {})
  }
}

export interface StreamPushRequest {
  repo: Repository
  /** The uncompressed layer's bytes, as something else (the build) produces them. */
  source: AsyncIterable<Uint8Array>
  /** Where the compressed bytes are written too, when other targets need them. */
  spoolPath?: string
  compression: CompressionOptions
  limit?: SizeLimit
}

export interface StreamPushed {
  /** The compressed layer, in `repo` (and in the spool file). */
  desc: Descriptor
  /** Digest and size of the bytes `source` gave: the layer's diffID, to check against the claimed one. */
  uncompressed: { digest: string; size: number }
}

/**
 * compressAndPush for a layer whose bytes are still arriving. There is no fallback (the source cannot
 * be read twice): a failure throws, and the caller compresses the layer from its file instead.
 */
export async function compressAndPushStream(req: StreamPushRequest): Promise<StreamPushed> {
  const hash = createHash('sha256')
  let size = 0
  async function* hashed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of req.source) {
      hash.update(chunk)
      size += chunk.byteLength
      yield chunk
    }
  }
  const spool = req.spoolPath ? await open(req.spoolPath, 'w') : undefined
  const check = new SizeCheck(req.limit)
  try {
    const desc = await pushCompressed(req.repo, hashed(), req.compression, spool, check)
    return { desc, uncompressed: { digest: `sha256:${hash.digest('hex')}`, size } }
  } finally {
    await spool?.close().catch(() => {})
  }
}

/** One compression pass streamed to `repo` (and to `spool`): the compressed layer's descriptor. */
async function pushCompressed(
  repo: Repository,
  source: AsyncIterable<Uint8Array>,
  compression: CompressionOptions,
  spool: FileHandle | undefined,
  check: SizeCheck,
  signal?: AbortSignal
): Promise<Descriptor> {
  const { stream, result } = compressStream(source, compression)
  async function* teeToSpool(): AsyncGenerator<Uint8Array> {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      check.add(chunk.byteLength)
      await spool?.write(chunk)
      yield chunk
    }
  }
  try {
    const blob = await repo.pushStream(untilStopped(readAhead(teeToSpool(), READ_AHEAD), signal), result)
    return descriptorOf(await result, blob.size)
  } catch (error) {
    stream.destroy()
    throw check.error ?? error // the limit stopped it: that is the failure, whatever the upload says
  }
}

/** The chunks as they are taken for the upload, until `signal` fires: then the upload fails. */
async function* untilStopped(
  chunks: AsyncIterable<Uint8Array>,
  signal?: AbortSignal
): AsyncGenerator<Uint8Array> {
  for await (const chunk of chunks) {
    signal?.throwIfAborted()
    yield chunk
  }
}

async function compressToFileAndPush(req: CompressPushRequest): Promise<Descriptor> {
  await rm(req.spoolPath, { force: true })
  const blob = await compressToFile(req.tarPath, req.spoolPath, req.compression, req.signal, req.limit)
  req.signal?.throwIfAborted()
  const desc = descriptorOf(blob, blob.size)
  await req.repo.pushBlob(desc, { path: req.spoolPath })
  return desc
}

/**
 * Compresses a tar into a file (no upload); the layer's compressed descriptor. `signal` stops it between
 * two chunks (a stop during the fallback must not wait for a whole layer's compression), and so does a
 * `limit` passed.
 */
export async function compressToFile(
  tarPath: string,
  outPath: string,
  compression: CompressionOptions,
  signal?: AbortSignal,
  limit?: SizeLimit
): Promise<CompressedBlob> {
  const { stream, result } = compressStream(readTar(tarPath), compression)
  const out = await open(outPath, 'w')
  const check = new SizeCheck(limit)
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      signal?.throwIfAborted()
      check.add(chunk.byteLength)
      await out.write(chunk)
    }
  } catch (error) {
    stream.destroy()
    throw error
  } finally {
    await out.close()
  }
  return result
}

/**
 * The tar's bytes, its file opened when the first are asked for: a file that cannot be opened is then the
 * reader's error. A stream made at once would emit it as an 'error' event while the upload's POST is still
 * out, before anything listens: an uncaught exception.
 */
async function* readTar(path: string): AsyncGenerator<Uint8Array> {
  yield* createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Uint8Array>
}

function descriptorOf(blob: CompressedBlob, size: number): Descriptor {
  if (blob.size !== size) throw new Error(`compressed ${blob.size} bytes but uploaded ${size}`)
  return { mediaType: blob.mediaType, digest: blob.digest, size: blob.size }
}
