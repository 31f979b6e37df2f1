import { describe, expect, it } from '@jest/globals'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ensurePlatformsRunnable } from '../../../src/builders/index.js'
import { HostError } from '../../../src/builders/errors.js'
import { fakeRunner, memoryLogger, withTempDir } from './helpers.js'

const handler = (flags: string) =>
  `enabled\ninterpreter /usr/bin/qemu-aarch64-static\nflags: ${flags}\noffset 0\n`

describe('ensurePlatformsRunnable', () => {
  it('does nothing for native platforms', async () => {
    const { run, calls } = fakeRunner(() => '')
    await ensurePlatformsRunnable(['linux/amd64', 'linux/386'], memoryLogger(), {
      binfmtDir: '/none',
      hostArch: 'amd64',
      run
    })
    expect(calls).toEqual([])
  })
  it('accepts a registered, enabled handler', async () => {
    await withTempDir(async dir => {
      await writeFile(join(dir, 'status'), 'enabled')
      await writeFile(join(dir, 'qemu-aarch64'), handler('PF'))
      const logger = memoryLogger()
      const { run, calls } = fakeRunner(() => '')
      await ensurePlatformsRunnable(['linux/arm64'], logger, { binfmtDir: dir, hostArch: 'amd64', run })
      expect(calls).toEqual([])
      expect(logger.lines).toEqual([])
    })
  })
  it('warns when the handler lacks the F flag containers need', async () => {
    await withTempDir(async dir => {
      await writeFile(join(dir, 'status'), 'enabled')
      await writeFile(join(dir, 'qemu-aarch64'), handler('P'))
      const logger = memoryLogger()
      await ensurePlatformsRunnable(['linux/arm64'], logger, {
        binfmtDir: dir,
        hostArch: 'amd64',
        run: fakeRunner(() => '').run
      })
      expect(logger.lines.join()).toContain('without the F flag')
    })
  })
  it('mounts binfmt_misc and enables the handler, then checks again', async () => {
    await withTempDir(async dir => {
      const { run, calls } = fakeRunner(() => '')
      const enabling = async (cmd: string, args: readonly string[]) => {
        const result = await run(cmd, args)
        if (cmd === 'update-binfmts') await writeFile(join(dir, 'qemu-arm'), handler('F'))
        return result
      }
      await ensurePlatformsRunnable(['linux/arm/v7'], memoryLogger(), {
        binfmtDir: dir,
        hostArch: 'amd64',
        run: enabling
      })
      expect(calls.map(c => [c.cmd, ...c.args].join(' '))).toEqual([
        `mount -t binfmt_misc binfmt_misc ${dir}`,
        'update-binfmts --enable qemu-arm'
      ])
    })
  })
  it('fails before building, saying how to install emulation', async () => {
    await withTempDir(async dir => {
      await writeFile(join(dir, 'status'), 'enabled')
      await writeFile(join(dir, 'qemu-s390x'), 'disabled\n')
      const { run } = fakeRunner(() => {
        throw new Error('update-binfmts: not found')
      })
      const err = await ensurePlatformsRunnable(['linux/arm64', 'linux/s390x'], memoryLogger(), {
        binfmtDir: dir,
        hostArch: 'amd64',
        run
      }).catch(e => e)
      expect(err).toBeInstanceOf(HostError)
      expect(err.message).toContain('cannot run linux/arm64 (qemu-aarch64), linux/s390x (qemu-s390x)')
      expect(err.message).toContain('qemu-user-static')
      expect(err.message).toContain('docker/setup-qemu-action')
    })
  })
})
