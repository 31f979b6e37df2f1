/**
 * Upload of a blob whose bytes are still being produced (a layer being compressed): POST, a PATCH per
 * chunk as the chunks come (≤ 4 MiB on ghcr.io), and the PUT with the digest once the stream ended.
 * Each request is sent once: a failure throws, and the caller falls back to a resumable upload of the
 * bytes it spooled to disk (see compress-push.ts).
 */
import type { UploadContext } from './upload.js'
import { checkStoredDigest, chunkSizeFor } from './upload.js'
import { header } from './transport/session.js'
import { RegistryError } from './transport/errors.js'
import type { HttpResponse } from './transport/http.js'

/** Chunk size of a stream upload elsewhere than ghcr.io: bounds the memory a stream holds. */
export const STREAM_CHUNK = 8 * 1024 * 1024

export interface StreamedBlob {
  digest: string
  size: number
}

export async function uploadStream(
  ctx: UploadContext,
  chunks: AsyncIterable<Uint8Array>,
  ended: Promise<StreamedBlob>
): Promise<StreamedBlob> {
  const chunkSize = chunkSizeFor(ctx.session.registry, ctx.chunkSize, STREAM_CHUNK)
  const started = await send(ctx, 'POST', `/v2/${ctx.repository}/blobs/uploads/`, [202])
  const upload = { location: locationOf(started, undefined) }
  try {
    return await sendChunks(ctx, upload, chunks, ended, chunkSize)
  } catch (error) {
    await cancelUpload(ctx, upload.location)
    throw error
  }
}

/** The PATCHes as the chunks come, then the PUT with the digest; `upload.location` follows the registry. */
async function sendChunks(
  ctx: UploadContext,
  upload: { location: URL },
  chunks: AsyncIterable<Uint8Array>,
  ended: Promise<StreamedBlob>,
  chunkSize: number
): Promise<StreamedBlob> {
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
  const blob = await ended
  const url = new URL(upload.location)
  url.searchParams.set('digest', blob.digest)
  const res = await send(ctx, 'PUT', url, [201, 204], held)
  checkStoredDigest('PUT', res, blob.digest)
  if (offset + heldBytes !== blob.size)
    throw new Error(`sent ${offset + heldBytes} bytes of a ${blob.size}-byte blob`)
  return blob
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
  parts?: Uint8Array[],
  range?: string
): Promise<HttpResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/octet-stream' }
  if (range) headers['content-range'] = range
  const body = parts ? ({ kind: 'parts', parts } as const) : undefined
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
