import { describe, expect, it } from '@jest/globals'
import { BuildahBuilder } from '../../../src/builders/buildah/builder.js'
import { fakeRunner, memoryLogger, request, withTempDir } from './helpers.js'

/** A fake buildah whose `info` answers `info`; every build fails after being recorded (no image to import). */
function fakeBuildah(info: string) {
  return fakeRunner((_cmd, args) => {
    if (args[0] === 'info') return info
    if (args.includes('build')) throw new Error('stop here')
    return ''
  })
}

const builds = (calls: { args: string[] }[]) => calls.filter(c => c.args.includes('build'))

describe('BuildahBuilder with several platforms', () => {
  it('builds one after another in the caller storage when buildah info does not describe it', async () => {
    await withTempDir(async workDir => {
      const { run, calls } = fakeBuildah('not json')
      const logger = memoryLogger()
      const req = request({ workDir, platforms: ['linux/amd64', 'linux/arm64'] })
      await expect(new BuildahBuilder(run, '1.28.2').build(req, logger)).rejects.toThrow('stop here')
      // One at a time: the first failure leaves the second unstarted; no build has a store of its own.
      expect(builds(calls)).toHaveLength(1)
      expect(builds(calls)[0]?.args[0]).toBe('build')
      expect(logger.lines.join('\n')).toContain('building the platforms one after another')
    })
  })

  it('starts every platform at once, each in a store of its own, when it does', async () => {
    await withTempDir(async workDir => {
      const info = { store: { GraphDriverName: 'overlay', GraphRoot: '/var/lib/c', GraphOptions: [] } }
      const { run, calls } = fakeBuildah(JSON.stringify(info))
      const req = request({ workDir, platforms: ['linux/amd64', 'linux/arm64'] })
      await expect(new BuildahBuilder(run, '1.28.2').build(req, memoryLogger())).rejects.toThrow('stop here')
      expect(builds(calls).map(c => c.args[0])).toEqual(['--root', '--root'])
      expect(builds(calls)[1]?.args.join(' ')).toContain('--storage-opt overlay.imagestore=/var/lib/c')
    })
  })
})
