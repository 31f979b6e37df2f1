import { describe, expect, it } from '@jest/globals'
import { CommandError, execCommand } from '../../../src/exec.js'

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
  it('reports a command that cannot start', async () => {
    const err = await execCommand('definitely-not-a-command-xyz', []).catch(e => e)
    expect(err).toBeInstanceOf(CommandError)
    expect(err.exitCode).toBeNull()
  })
})
