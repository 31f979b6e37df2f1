import { describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { terminalRuntime } from '../../../src/runtime/terminal.js'

function capture(opts: { verbose?: boolean; summaryFile?: string } = {}) {
  const streams = { err: '', out: '' }
  const rt = terminalRuntime({
    progress: t => (streams.err += t),
    result: t => (streams.out += t),
    verbose: opts.verbose ?? false,
    summaryFile: opts.summaryFile
  })
  return { rt, streams }
}

describe('terminalRuntime', () => {
  it('writes progress to stderr: groups as headers, warnings prefixed, debug only when verbose', async () => {
    const quiet = capture()
    quiet.rt.info('hello')
    quiet.rt.warning('careful')
    quiet.rt.debug('details')
    expect(await quiet.rt.group('Build', async () => 42)).toBe(42)
    expect(quiet.streams).toEqual({ err: 'hello\nwarning: careful\n==> Build\n', out: '' })
    const verbose = capture({ verbose: true })
    verbose.rt.debug('details')
    expect(verbose.streams.err).toBe('debug: details\n')
  })

  it('masks secrets in everything it writes, each line of a multi-line secret too, longest first', () => {
    const { rt, streams } = capture()
    rt.setSecret('')
    rt.setSecret('s3cret')
    rt.setSecret('s3cret-and-more\nsecond-line')
    rt.info('token s3cret-and-more, then s3cret, then second-line')
    rt.warning('s3cret')
    rt.print('{"password":"s3cret"}')
    expect(streams.err).toBe('token ***, then ***, then ***\nwarning: ***\n')
    expect(streams.out).toBe('{"password":"***"}')
    expect(rt.mask('no secret here')).toBe('no secret here')
  })

  it('keeps outputs and state in memory', () => {
    const { rt, streams } = capture()
    rt.setOutput('digest', 'sha256:aa')
    rt.saveState('workDir', '/tmp/x')
    expect(rt.outputs).toEqual({ digest: 'sha256:aa' })
    expect(rt.state).toEqual({ workDir: '/tmp/x' })
    expect(streams).toEqual({ err: '', out: '' })
  })

  it('writes the summary to the file asked for, masked, and nowhere otherwise', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'terminal-')), 'summary.md')
    await writeFile(file, 'an earlier run\n')
    const { rt, streams } = capture({ summaryFile: file })
    rt.setSecret('hunter2')
    await rt.writeSummary('## one hunter2\n')
    await rt.writeSummary('## two\n')
    expect(await readFile(file, 'utf8')).toBe('## one ***\n## two\n')
    const none = capture()
    await none.rt.writeSummary('## lost\n')
    expect([streams, none.streams]).toEqual([
      { err: '', out: '' },
      { err: '', out: '' }
    ])
  })
})
