import { describe, expect, it } from '@jest/globals'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { CommandError, execCommand } from '../../../src/exec.js'
import { unpackWhileProducing } from '../../../src/builders/layout/archive.js'
import type { Runner } from '../../../src/builders/index.js'
import { withTempDir } from './helpers.js'

/** Writes `bytes` 4 KiB at a time, at the pace the stream takes them. */
async function writeInSmallPieces(bytes: Buffer, to: NodeJS.WritableStream): Promise<void> {
  for (let at = 0; at < bytes.length; at += 4096) {
    if (!to.write(bytes.subarray(at, at + 4096))) await new Promise(r => to.once('drain', r))
  }
}

describe('unpackWhileProducing (real tar and producers)', () => {
  it('unpacks the tar stream the producer writes to its stdout', async () => {
    await withTempDir(async dir => {
      const src = join(dir, 'src')
      await mkdir(join(src, 'blobs', 'sha256'), { recursive: true })
      await writeFile(join(src, 'index.json'), '{"schemaVersion":2}')
      await writeFile(join(src, 'blobs', 'sha256', 'abc'), Buffer.alloc(3 << 20, 7))
      const out = join(dir, 'out')
      await unpackWhileProducing(out, execCommand, (stdoutTo, signal) =>
        execCommand('tar', ['-c', '-C', src, '.'], { stdoutTo, signal })
      )
      expect((await readdir(out)).sort()).toEqual(['blobs', 'index.json'])
      expect((await readFile(join(out, 'blobs', 'sha256', 'abc'))).equals(Buffer.alloc(3 << 20, 7))).toBe(
        true
      )
    })
  })

  it("stops a producer that keeps writing once the unpacking failed, and fails with the unpacking's error", async () => {
    await withTempDir(async dir => {
      // An unpacking that fails at once, reading nothing (a crash, a full disk): the producer's output
      // then fills the pipe, and only the stop ends it.
      const failingTar: Runner = (cmd, args, options) =>
        cmd === 'tar' ? execCommand('sh', ['-c', 'exit 2'], options) : execCommand(cmd, args, options)
      const error = await unpackWhileProducing(join(dir, 'out'), failingTar, (stdoutTo, signal) =>
        execCommand('sh', ['-c', 'head -c 2000000 /dev/zero; exec sleep 60'], { stdoutTo, signal })
      ).catch((err: unknown) => err)
      expect(error).toBeInstanceOf(CommandError)
      expect((error as CommandError).exitCode).toBe(2)
    })
  }, 20000)

  it("fails with the producer's error when the producer fails first", async () => {
    await withTempDir(async dir => {
      const error = await unpackWhileProducing(join(dir, 'out'), execCommand, (stdoutTo, signal) =>
        execCommand('sh', ['-c', 'printf garbage; echo no build here >&2; exit 3'], { stdoutTo, signal })
      ).catch((err: unknown) => err)
      expect(error).toBeInstanceOf(CommandError)
      expect((error as CommandError).exitCode).toBe(3)
      expect((error as CommandError).stderr).toContain('no build here')
    })
  })

  it("stops both on the run's signal", async () => {
    await withTempDir(async dir => {
      const stop = new AbortController()
      const running = unpackWhileProducing(
        join(dir, 'out'),
        execCommand,
        (stdoutTo, signal) => execCommand('sleep', ['60'], { stdoutTo, signal }),
        stop.signal
      )
      setTimeout(() => stop.abort(new Error('cancelled')), 200)
      await expect(running).rejects.toBeInstanceOf(CommandError)
    })
  }, 20000)

  describe('with an observer of the blobs', () => {
    const big = randomBytes(3 << 20)
    const bigDigest = `sha256:${createHash('sha256').update(big).digest('hex')}`
    const small = Buffer.from('{"config":true}')
    const smallDigest = `sha256:${createHash('sha256').update(small).digest('hex')}`

    async function layoutIn(dir: string): Promise<string> {
      const src = join(dir, 'src')
      await mkdir(join(src, 'blobs', 'sha256'), { recursive: true })
      await writeFile(join(src, 'index.json'), '{"schemaVersion":2}')
      await writeFile(join(src, 'blobs', 'sha256', bigDigest.slice(7)), big)
      await writeFile(join(src, 'blobs', 'sha256', smallDigest.slice(7)), small)
      return src
    }

    it('offers each blob by digest and size, hands a slow sink the bytes as they pass, and still unpacks', async () => {
      await withTempDir(async dir => {
        const src = await layoutIn(dir)
        const offered: Array<{ digest: string; size: number }> = []
        let reading: Promise<Buffer> | undefined
        const out = join(dir, 'out')
        // The small blob last, in small writes; the sink reads the big blob's last 4 KiB only once tar
        // has unpacked everything (the rest of the tarball, ~10 KiB, fits in the watcher's buffer). The
        // watcher is then behind tar for sure, and the small blob is still offered before the return.
        const entries = [
          'index.json',
          `blobs/sha256/${bigDigest.slice(7)}`,
          `blobs/sha256/${smallDigest.slice(7)}`
        ]
        const tarball = join(dir, 'layout.tar')
        await execCommand('tar', ['-c', '-f', tarball, '-C', src, ...entries])
        let tarExited: Promise<unknown> = new Promise(() => {})
        const unpacker: Runner = (cmd, args, options) => {
          const running = execCommand(cmd, args, options)
          tarExited = running.catch(() => undefined)
          return running
        }
        await unpackWhileProducing(
          out,
          unpacker,
          async stdoutTo => writeInSmallPieces(await readFile(tarball), stdoutTo),
          undefined,
          async blob => {
            offered.push(blob)
            if (blob.digest !== bigDigest) return undefined
            const sink = new PassThrough({ highWaterMark: 1024 })
            reading = (async () => {
              const parts: Buffer[] = []
              let bytes = 0
              for await (const part of sink) {
                bytes += (part as Buffer).length
                // Bounded: should tar ever wait for this reader, the test is slower, not stuck.
                if (bytes >= big.length - 4096) await Promise.race([tarExited, sleep(3000)])
                parts.push(part as Buffer)
              }
              return Buffer.concat(parts)
            })()
            return sink
          }
        )
        expect(offered.sort((a, b) => a.size - b.size)).toEqual([
          { digest: smallDigest, size: small.length },
          { digest: bigDigest, size: big.length }
        ])
        expect((await reading)?.equals(big)).toBe(true)
        expect((await readFile(join(out, 'blobs', 'sha256', bigDigest.slice(7)))).equals(big)).toBe(true)
        expect(await readFile(join(out, 'index.json'), 'utf8')).toBe('{"schemaVersion":2}')
      })
    })

    it('goes on past a sink that fails, unpacking and serving the blobs after it', async () => {
      await withTempDir(async dir => {
        const src = await layoutIn(dir)
        const other = randomBytes(2 << 20)
        const otherDigest = `sha256:${createHash('sha256').update(other).digest('hex')}`
        await writeFile(join(src, 'blobs', 'sha256', otherDigest.slice(7)), other)
        const out = join(dir, 'out')
        const failing = () =>
          new Writable({
            highWaterMark: 1024,
            write: (_chunk, _encoding, callback) => setTimeout(() => callback(new Error('upload failed')), 5)
          })
        let second: Promise<Buffer> | undefined
        let firstBig = true
        await unpackWhileProducing(
          out,
          execCommand,
          (stdoutTo, signal) => execCommand('tar', ['-c', '-C', src, '.'], { stdoutTo, signal }),
          undefined,
          async blob => {
            if (blob.size < 1 << 20) return undefined
            if (firstBig) return ((firstBig = false), failing())
            const sink = new PassThrough()
            second = (async () => {
              const parts: Buffer[] = []
              for await (const part of sink) parts.push(part as Buffer)
              return Buffer.concat(parts)
            })()
            return sink
          }
        )
        expect((await readFile(join(out, 'blobs', 'sha256', bigDigest.slice(7)))).equals(big)).toBe(true)
        const received = await second
        expect(received?.equals(big) || received?.equals(other)).toBe(true)
      })
    }, 20000)

    it('ends an active sink (destroyed) when tar fails in the middle of its blob, and settles', async () => {
      await withTempDir(async dir => {
        const src = await layoutIn(dir)
        // tar reads a little, then fails: nothing reads the rest of the tarball.
        const dyingTar: Runner = (cmd, args, options) =>
          cmd === 'tar' && args.includes('-x')
            ? execCommand('sh', ['-c', 'head -c 300000 > /dev/null; exit 2'], options)
            : execCommand(cmd, args, options)
        let sinkEnd: Promise<string> | undefined
        const error = await unpackWhileProducing(
          join(dir, 'out'),
          dyingTar,
          (stdoutTo, signal) => execCommand('tar', ['-c', '-C', src, '.'], { stdoutTo, signal }),
          undefined,
          async blob => {
            if (blob.digest !== bigDigest) return undefined
            const sink = new PassThrough({ highWaterMark: 1024 })
            sinkEnd = (async () => {
              try {
                let bytes = 0
                for await (const part of sink) {
                  bytes += (part as Buffer).length
                  await new Promise(r => setTimeout(r, 2))
                }
                return `ended after ${bytes} bytes`
              } catch (err) {
                return `destroyed: ${(err as Error).message}`
              }
            })()
            return sink
          }
        ).catch((err: unknown) => err)
        expect((error as CommandError).exitCode).toBe(2)
        expect(sinkEnd).toBeDefined()
        expect(await sinkEnd).toMatch(/^destroyed/)
      })
    }, 20000)
  })
})
