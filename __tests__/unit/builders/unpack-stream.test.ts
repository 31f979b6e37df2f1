import { describe, expect, it } from '@jest/globals'
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { CommandError, execCommand } from '../../../src/exec.js'
import { unpackWhileProducing } from '../../../src/builders/layout/archive.js'
import type { Runner } from '../../../src/builders/index.js'
import { withTempDir } from './helpers.js'

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
})
