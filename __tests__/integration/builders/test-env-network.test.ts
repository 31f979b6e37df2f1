import { describe, expect, it } from '@jest/globals'
import { mkdtemp, readlink, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execCommand } from '../../../src/exec.js'
import { testEnv } from '../../support/env.js'

// buildah's default RUN network is a CNI bridge: an interface and a 10.88.0.0/16 network on the host.
// The test environment must never create one, so its buildah RUN steps share the host's namespace.
describe('the test environment gives buildah RUN steps no network of their own', () => {
  it('a RUN step of a buildah build, with no --network, runs in the host network namespace', async () => {
    const context = await mkdtemp(join(tmpdir(), 'netns-'))
    let built = ''
    try {
      await writeFile(
        join(context, 'Dockerfile'),
        `FROM ${testEnv().baseImage}\nRUN echo "netns=$(readlink /proc/self/ns/net)"\n`
      )
      const result = await execCommand('buildah', ['build', '--no-cache', '--layers=false', context])
      built = result.stdout.trim().split('\n').pop() ?? ''
      const seen = /netns=(net:\[\d+\])/.exec(result.stdout + result.stderr)?.[1]
      expect(seen).toBe(await readlink('/proc/self/ns/net'))
    } finally {
      if (/^[0-9a-f]{64}$/.test(built)) await execCommand('buildah', ['rmi', built]).catch(() => {})
      await rm(context, { recursive: true, force: true })
    }
  }, 120000)
})
