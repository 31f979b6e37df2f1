/**
 * Upload of a blob whose bytes are still being produced (a layer being compressed): POST, then the
 * bytes streamed as they come in one PATCH without Content-Range (chunked transfer encoding, as
 * docker, containers/image and go-containerregistry send them), and the PUT with the digest once the
 * stream ended. A PATCH carries at most what the deadline policy lets one exchange carry (see
 * deadline.ts); a larger blob takes several, each appended by the registry as Distribution does (the
 * OCI spec describes only one). With a configured chunk size, ranged PATCHes of that size instead
 * (≤ 4 MiB on ghcr.io), each sent when it is complete: the link idles while the registry answers each
 * one, so it is not the default. Each request is sent once: a failure (a registry refusing a second
 * unranged PATCH too) throws, and the caller falls back: compress-push.ts compresses the layer again
 * into a file and uploads it with the resumable upload.
 */
import type { UploadContext } from './upload.js'
import { checkStoredDigest, chunkSizeFor } from './upload.js'
import { header } from './transport/session.js'
import { RegistryError } from './transport/errors.js'
import type { HttpResponse, RequestBody, StreamBody } from './transport/http.js'

export interface StreamedBlob {
  digest: string
  size: number
}

export async function uploadStream(
  ctx: UploadContext,
  chunks: AsyncIterable<Uint8Array>,
  ended: Promise<StreamedBlob>
): Promise<StreamedBlob> {
  const started = await send(ctx, 'POST', `/v2/${ctx.repository}/blobs/uploads/`, [202])
  const upload = { location: locationOf(started, undefined) }
  try {
    const sent =
      ctx.chunkSize === undefined
        ? await sendStreamed(ctx, upload, chunks, ctx.session.streamLimits())
        : await sendRanged(ctx, upload, chunks, chunkSizeFor(ctx.session.registry, ctx.chunkSize, 0))
    const blob = await ended
    const url = new URL(upload.location)
    url.searchParams.set('digest', blob.digest)
    const res = await send(ctx, 'PUT', url, [201, 204], sent.tail)
    checkStoredDigest('PUT', res, blob.digest)
    if (sent.bytes !== blob.size) throw new Error(`sent ${sent.bytes} bytes of a ${blob.size}-byte blob`)
    return blob
  } catch (error) {
    await cancelUpload(ctx, upload.location)
    throw error
  }
}

interface Sent {
  /** Bytes sent, the tail's included. */
  bytes: number
  /** What the PUT carries. */
  tail: Uint8Array[]
}

/** Streamed PATCHes within `limits` each; `upload.location` follows the registry. */
async function sendStreamed(
  ctx: UploadContext,
  upload: { location: URL },
  chunks: AsyncIterable<Uint8Array>,
  limits: SegmentLimits
): Promise<Sent> {
  const source = chunks[Symbol.asyncIterator]()
  const segments = new Segments(source, limits)
  let bytes = 0
  try {
    while (await segments.more()) {
      const body: StreamBody = { kind: 'stream', source: segments.next(), sent: 0, ended: false }
      const res = await send(ctx, 'PATCH', upload.location, [202, 204], body)
      // Bytes taken from the stream but not sent would be lost: the PUT's digest check would refuse it.
      if (!body.ended) throw new Error(`the registry answered ${res.status} before the PATCH's body was sent`)
      upload.location = locationOf(res, upload.location)
      bytes += body.sent
    }
  } catch (error) {
    void source.return?.().catch(() => {}) // the producer stops (not awaited: it may be mid-chunk)
    throw error
  }
  return { bytes, tail: [] }
}

export interface SegmentLimits {
  bytes: number
  /** A body ends once it has been open this long, however few bytes it has: a slow producer (the
   * compression of four layers on two cores, a build's output) counts against the PATCH's deadline. */
  ms: number
}

/**
 * Cuts a stream into bodies within `limits`. A body starts only once a byte of it has come, so no
 * PATCH is empty.
 */
export class Segments {
  private pending?: Uint8Array
  private ended = false

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    private readonly limits: SegmentLimits,
    private readonly now: () => number = Date.now
  ) {}

  /** Whether bytes remain: waits for the next one. */
  async more(): Promise<boolean> {
    while (!this.pending && !this.ended) {
      const next = await this.source.next()
      if (next.done) this.ended = true
      else if (next.value.byteLength > 0) this.pending = next.value
    }
    return this.pending !== undefined
  }

  /** The next body's bytes (views of the source's chunks, nothing copied). */
  async *next(): AsyncGenerator<Uint8Array> {
    let left = this.limits.bytes
    const until = this.now() + this.limits.ms
    while (left > 0 && this.now() < until && (await this.more())) {
      const chunk = this.pending!
      const part = chunk.byteLength <= left ? chunk : chunk.subarray(0, left)
      this.pending = part === chunk ? undefined : chunk.subarray(left)
      left -= part.byteLength
      yield part
    }
  }
}

/** Ranged PATCHes of `chunkSize` bytes, each sent when complete; the rest goes with the PUT. */
async function sendRanged(
  ctx: UploadContext,
  upload: { location: URL },
  chunks: AsyncIterable<Uint8Array>,
  chunkSize: number
): Promise<Sent> {
  let offset = 0
  let held: Uint8Array[] = []
  let heldBytes = 0
  for await (const chunk of chunks) {
    held.push(chunk)
    heldBytes += chunk.byteLength
    while (heldBytes >= chunkSize) {
      const [body, rest] = splitAt(held, chunkSize)
      const range = `${offset}-${offset + chunkSize - 1}`
      const res = await send(ctx, 'PATCH', upload.location, [202, 204], body, range)
      upload.location = locationOf(res, upload.location)
      offset += chunkSize
      held = rest
      heldBytes -= chunkSize
    }
  }
  return { bytes: offset + heldBytes, tail: held }
}

/** The first `size` bytes of `parts` and the rest, as views (nothing copied). */
export function splitAt(parts: Uint8Array[], size: number): [Uint8Array[], Uint8Array[]] {
  const head: Uint8Array[] = []
  let taken = 0
  let i = 0
  for (; i < parts.length && taken < size; i++) {
    const part = parts[i]!
    const take = Math.min(part.byteLength, size - taken)
    head.push(take === part.byteLength ? part : part.subarray(0, take))
    taken += take
    if (take < part.byteLength) return [head, [part.subarray(take), ...parts.slice(i + 1)]]
  }
  return [head, parts.slice(i)]
}

/**
 * Best effort: DELETE the upload session, so that the registry does not keep its partial bytes until
 * it purges stale uploads. Its failure is only logged: the upload's own error is the one that matters.
 */
async function cancelUpload(ctx: UploadContext, location: URL): Promise<void> {
  await send(ctx, 'DELETE', location, [202, 204, 404]).catch((error: unknown) =>
    ctx.logger.debug(`could not cancel the upload at ${location.pathname}: ${String(error)}`)
  )
}

function locationOf(res: HttpResponse, previous: URL | undefined): URL {
  const location = header(res, 'location')
  if (location) return new URL(location, res.url)
  if (previous) return previous
  throw new RegistryError({
    method: 'POST',
    url: res.url,
    status: res.status,
    message: 'the registry started an upload without a Location',
    retryable: false
  })
}

async function send(
  ctx: UploadContext,
  method: string,
  target: string | URL,
  expect: number[],
  content?: Uint8Array[] | StreamBody,
  range?: string
): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
  if (range) headers['content-range'] = range
  const body: RequestBody | undefined = Array.isArray(content) ? { kind: 'parts', parts: content } : content
  const outcome = await ctx.session.tryOnce({
    method,
    target,
    expect,
    scopes: ctx.scopes,
    attempts: 1,
    repository: ctx.repository,
    push: true,
    headers: body ? headers : undefined,
    body
  })
  if ('res' in outcome) return outcome.res
  throw outcome.error
}
