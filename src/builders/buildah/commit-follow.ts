/**
 * buildah commits a new layer in two steps: it writes the layer's diff into its TMPDIR, renamed after its
 * digest once complete (`<TMPDIR>/buildah<random>/sha256:<hex>`), then copies that file into the
 * destination (our dir:). For a large layer the copy takes about as long as compressing and uploading
 * it, so each completed file is offered to the blob observer right away: the push starts while buildah
 * copies. This relies on buildah's temp-file naming (its image.go since 1.2x). If that changes, nothing
 * is found, and the push compresses the layer after the build, as it always could.
 */
import { open, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { BlobObserver, Logger } from '../types.js'

/** How often the TMPDIR is looked at: a few readdirs, against a commit of hundreds of ms. */
const POLL_MS = 20
const COMMITTED_LAYER = /^sha256:([a-f0-9]{64})$/

export interface CommitFollower {
  /** Stops looking; the files already offered keep streaming (their observer waits for them). */
  stop(): Promise<void>
}

export function followCommittedLayers(
  tmpDir: string,
  onBlob: BlobObserver,
  logger: Pick<Logger, 'debug'>
): CommitFollower {
  const seen = new Set<string>()
  let scanning: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    scanning = scanning.then(() => scan(tmpDir, seen, onBlob, logger))
  }, POLL_MS)
  timer.unref()
  return {
    async stop() {
      clearInterval(timer)
      await scanning
    }
  }
}

async function scan(
  tmpDir: string,
  seen: Set<string>,
  onBlob: BlobObserver,
  logger: Pick<Logger, 'debug'>
): Promise<void> {
  const work = (await readdir(tmpDir, { withFileTypes: true }).catch(() => [])).filter(
    e => e.isDirectory() && e.name.startsWith('buildah')
  )
  for (const dir of work) {
    const names = await readdir(join(tmpDir, dir.name)).catch(() => [])
    for (const name of names) {
      const hex = COMMITTED_LAYER.exec(name)?.[1]
      const path = join(tmpDir, dir.name, name)
      if (!hex || seen.has(path)) continue
      seen.add(path)
      await offer(path, `sha256:${hex}`, onBlob).catch((error: unknown) =>
        logger.debug(`could not follow buildah's committed layer ${name}: ${String(error)}`)
      )
    }
  }
}

/** Opened at once: buildah deletes the file when its commit ends, and an open file stays readable. */
async function offer(path: string, digest: string, onBlob: BlobObserver): Promise<void> {
  const file = await open(path, 'r').catch(() => undefined)
  if (!file) return // already gone: the push compresses the layer from the dir: copy
  try {
    const { size } = await file.stat()
    const sink = await onBlob({ digest, size, namedByBuilder: true })
    if (!sink) return void (await file.close())
    void pipeline(file.createReadStream({ highWaterMark: 1024 * 1024 }), sink).catch(() => {})
  } catch (error) {
    await file.close().catch(() => {})
    throw error
  }
}
