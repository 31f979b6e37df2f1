import { describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { followCommittedLayers } from '../../../src/builders/buildah/commit-follow.js'
import type { BlobObserver } from '../../../src/builders/types.js'
import { withTempDir } from './helpers.js'

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`
const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise(r => setTimeout(r, 10))
}

/** Collects what the follower offers, and the bytes of what it is asked for. */
function observer(want: (digest: string) => boolean = () => true) {
  const offered: Array<{ digest: string; size: number; namedByBuilder?: boolean }> = []
  const received = new Map<string, Promise<Buffer>>()
  const onBlob: BlobObserver = async blob => {
    offered.push(blob)
    if (!want(blob.digest)) return undefined
    const sink = new PassThrough()
    received.set(
      blob.digest,
      (async () => {
        const parts: Buffer[] = []
        for await (const part of sink) parts.push(part as Buffer)
        return Buffer.concat(parts)
      })()
    )
    return sink
  }
  return { offered, received, onBlob }
}

describe("followCommittedLayers (buildah's TMPDIR, as buildah 1.2x writes it)", () => {
  it('offers a layer once it is renamed to its digest, and streams it even after buildah deletes it', async () => {
    await withTempDir(async tmp => {
      const { offered, received, onBlob } = observer()
      const follower = followCommittedLayers(tmp, onBlob, { debug: () => {} })
      const work = join(tmp, 'buildah123456')
      await mkdir(work)
      const layer = randomBytes(2 * 1024 * 1024)
      // Written under a temporary name first: not offered while incomplete.
      await writeFile(join(work, 'layer'), layer)
      await new Promise(r => setTimeout(r, 60))
      expect(offered).toEqual([])
      await rename(join(work, 'layer'), join(work, digestOf(layer)))
      await until(() => offered.length > 0)
      await rm(work, { recursive: true }) // buildah's commit ends: the file goes, the open one stays readable
      expect(offered).toEqual([{ digest: digestOf(layer), size: layer.length, namedByBuilder: true }])
      expect((await received.get(digestOf(layer)))?.equals(layer)).toBe(true)
      await follower.stop()
    })
  })

  it('ignores other files and directories, offers each layer once, and stops looking when stopped', async () => {
    await withTempDir(async tmp => {
      const { offered, onBlob } = observer(() => false)
      const follower = followCommittedLayers(tmp, onBlob, { debug: () => {} })
      const layer = randomBytes(1000)
      await mkdir(join(tmp, 'other'))
      await writeFile(join(tmp, 'other', digestOf(layer)), layer) // not buildah's directory
      await mkdir(join(tmp, 'buildah1'))
      await writeFile(join(tmp, 'buildah1', 'sha256:not-a-digest'), layer)
      await writeFile(join(tmp, 'buildah1', digestOf(layer)), layer)
      await until(() => offered.length > 0)
      await new Promise(r => setTimeout(r, 80))
      expect(offered.map(o => o.digest)).toEqual([digestOf(layer)])
      await follower.stop()
      const later = randomBytes(1000)
      await writeFile(join(tmp, 'buildah1', digestOf(later)), later)
      await new Promise(r => setTimeout(r, 80))
      expect(offered).toHaveLength(1)
    })
  })
})
