/**
 * Downloading a release asset for the tool cache, checked against its sha256 before anything is cached:
 * what the buildx install and the syft install share.
 */
import * as tc from '@actions/tool-cache'
import { readFile, rm } from 'node:fs/promises'
import { fileDigest } from '../registry/index.js'

/** The sha256 an asset must have, and where that came from (for the log and the error). */
export interface ExpectedChecksum {
  expected: string
  source: string
}

/** A release's checksums file (`<sha256>  [*]<asset>` lines) as asset → sha256. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>()
  for (const line of text.split(/\r?\n/)) {
    const match = /^([0-9a-f]{64})\s+\*?(\S+)\s*$/i.exec(line.trim())
    if (match?.[1] && match[2]) sums.set(match[2], match[1].toLowerCase())
  }
  return sums
}

/** The sha256 the checksums file at `url` lists for `asset`; `fix` is said when it lists none. */
export async function listedChecksum(url: string, asset: string, fix: string): Promise<ExpectedChecksum> {
  const file = await tc.downloadTool(url)
  try {
    const expected = parseChecksums(await readFile(file, 'utf8')).get(asset)
    if (!expected) throw new Error(`${url} lists no sha256 for ${asset}; ${fix}`)
    return { expected, source: url }
  } finally {
    await rm(file, { force: true })
  }
}

export interface VerifiedDownload {
  url: string
  asset: string
  /** The sha256 it must have (pinned, or from the release's checksums file). */
  expected: () => Promise<ExpectedChecksum>
  /** The error for a mismatch: nothing is cached then. */
  mismatch: (expected: ExpectedChecksum, actual: string) => Error
  /** Runs on the verified download (extract, cache); the download is removed afterwards either way. */
  use: (path: string) => Promise<string>
  log: (message: string) => void
}

/** Downloads `url`, checks its sha256, then hands it to `use`; the download never outlives the call. */
export async function downloadVerified(d: VerifiedDownload): Promise<string> {
  d.log(`downloading ${d.url}`)
  const downloaded = await tc.downloadTool(d.url)
  try {
    const expected = await d.expected()
    const actual = (await fileDigest(downloaded)).slice('sha256:'.length)
    if (actual !== expected.expected) throw d.mismatch(expected, actual)
    d.log(`${d.asset} sha256 ${actual} matches ${expected.source}`)
    return await d.use(downloaded)
  } finally {
    await rm(downloaded, { force: true })
  }
}
