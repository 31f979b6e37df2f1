import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

const DIGEST = /^sha256:[a-f0-9]{64}$|^sha512:[a-f0-9]{128}$/

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`
}

export function isDigest(value: string): boolean {
  return DIGEST.test(value)
}

export function assertDigest(value: string): string {
  if (!isDigest(value)) {
    throw new Error(`invalid digest "${value}": expected sha256:<64 lowercase hex> (or sha512:<128 hex>)`)
  }
  return value
}

/** Digest of bytes with the algorithm of `like` (sha256 or sha512). */
export function digestLike(like: string, data: Uint8Array): string {
  const algorithm = like.startsWith('sha512:') ? 'sha512' : 'sha256'
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`
}

/** Streams a file through sha256, or the algorithm of `like` (never holds it in memory). */
export async function fileDigest(path: string, like = 'sha256:'): Promise<string> {
  const algorithm = like.startsWith('sha512:') ? 'sha512' : 'sha256'
  const hash = createHash(algorithm)
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return `${algorithm}:${hash.digest('hex')}`
}
