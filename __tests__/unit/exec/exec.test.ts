import { describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CommandError, execCommand, OUTPUT_TAIL_CHARS } from '../../../src/exec.js'
import { redactSecrets } from '../../../src/secrets.js'

describe('execCommand', () => {
  it('resolves with stdout of a successful command', async () => {
    const r = await execCommand('sh', ['-c', 'printf hello'])
    expect(r.stdout).toBe('hello')
  })
  it('feeds input on stdin', async () => {
    const r = await execCommand('cat', [], { input: 's3cret' })
    expect(r.stdout).toBe('s3cret')
  })
  it('fails on a non-zero exit code with the command, code and stderr tail', async () => {
    const err = await execCommand('sh', ['-c', 'echo boom >&2; exit 3']).catch(e => e)
    expect(err).toBeInstanceOf(CommandError)
    expect(err.exitCode).toBe(3)
    expect(err.message).toContain('exited with code 3')
    expect(err.message).toContain('boom')
  })
  it('redacts secrets from the error', async () => {
    const err = await execCommand('sh', ['-c', 'echo token=abc123 >&2; exit 1'], {
      redact: ['abc123']
    }).catch(e => e)
    expect(err.message).not.toContain('abc123')
    expect(err.message).toContain('***')
  })
  it('settles a stopped command once it has ended, not when the stop was asked for', async () => {
    const mark = join(await mkdtemp(join(tmpdir(), 'exec-stop-')), 'ended')
    const stop = new AbortController()
    // Takes 300 ms to end after SIGTERM, like a build releasing its storage.
    const script = `trap 'sleep 0.3; echo ended > "${mark}"; exit 1' TERM; echo started; while :; do sleep 0.05; done`
    const running = execCommand('sh', ['-c', script], {
      signal: stop.signal,
      onStdout: () => stop.abort()
    })
    const err = await running.catch((e: unknown) => e)
    expect(err).toBeInstanceOf(CommandError)
    expect((err as Error).cause).toMatchObject({ name: 'AbortError' })
    expect(existsSync(mark)).toBe(true)
  })
  it('settles a stopped command when it exits, not when a process it left closes the pipes', async () => {
    const stop = new AbortController()
    const started = Date.now()
    const script = `(trap '' TERM; sleep 8) & echo started; wait`
    const running = execCommand('sh', ['-c', script], { signal: stop.signal, onStdout: () => stop.abort() })
    await expect(running).rejects.toThrow(CommandError)
    expect(Date.now() - started).toBeLessThan(4000)
  })
  it('kills a stopped command that ignores SIGTERM, and settles once it is gone', async () => {
    const stop = new AbortController()
    let pid = 0
    const running = execCommand('sh', ['-c', "trap '' TERM; echo $$; while :; do sleep 0.05; done"], {
      signal: stop.signal,
      onStdout: chunk => {
        pid = Number(chunk.trim())
        stop.abort()
      }
    })
    await expect(running).rejects.toThrow(CommandError)
    expect(pid).toBeGreaterThan(0)
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/)
  }, 15000)
  it('reports a command that cannot start', async () => {
    const err = await execCommand('definitely-not-a-command-xyz', []).catch(e => e)
    expect(err).toBeInstanceOf(CommandError)
    expect(err.exitCode).toBeNull()
  })
  it('redacts a secret that contains another one whole (longest first)', async () => {
    // 'pw' is part of 'user:pw': replacing it first would leave 'user:***' readable.
    expect(redactSecrets('auth user:pw and pw', ['pw', 'user:pw'])).toBe('auth *** and ***')
    expect(redactSecrets('token abcdef', ['abc', 'abcdef'])).toBe('token ***')
    const err = await execCommand('sh', ['-c', 'echo login=abcdef >&2; exit 1'], {
      redact: ['abc', 'abcdef']
    }).catch(e => e)
    expect(err.message).toContain('login=***')
    expect(err.message).not.toContain('def')
  })
})

const MB = 1024 * 1024

describe('execCommand with many megabytes of output', () => {
  // 40 MiB of numbered lines, then a last line: what a long verbose build prints.
  const flood = (fd: string, then: string) =>
    `yes 'a build log line that goes on and on' | head -c ${40 * MB} >&${fd}; echo >&${fd}; ${then}`

  it('streams every byte to the callback but keeps only a bounded tail of it', async () => {
    let streamed = 0
    const r = await execCommand('sh', ['-c', flood('1', 'echo the-last-line')], {
      onStdout: chunk => (streamed += chunk.length)
    })
    expect(streamed).toBe(40 * MB + 1 + 'the-last-line\n'.length)
    expect(r.stdout.length).toBeLessThanOrEqual(OUTPUT_TAIL_CHARS)
    expect(r.stdout.length).toBeGreaterThan(OUTPUT_TAIL_CHARS / 2)
    expect(r.stdout).toMatch(/a build log line that goes on and on\n[a-z ]*\nthe-last-line\n$/)
  }, 60000)

  it('fails with the end of a huge stderr, holding only a bounded tail', async () => {
    let streamed = 0
    const err = await execCommand('sh', ['-c', flood('2', 'echo why-it-failed >&2; exit 2')], {
      onStderr: chunk => (streamed += chunk.length)
    }).catch(e => e)
    expect(err).toBeInstanceOf(CommandError)
    expect(streamed).toBeGreaterThan(40 * MB)
    expect(err.stderr.length).toBeLessThanOrEqual(OUTPUT_TAIL_CHARS)
    expect(err.message).toMatch(/exited with code 2:\n(.*\n)*why-it-failed$/)
  }, 60000)

  it('keeps all of an unstreamed stdout: it is the answer the caller parses', async () => {
    const r = await execCommand('sh', ['-c', `yes 0123456789 | head -c ${MB}`])
    expect(r.stdout.length).toBe(MB)
  }, 60000)
})
