import { describe, expect, it } from '@jest/globals'
import { lineLogger } from '../../../src/builders/output.js'

describe('lineLogger', () => {
  it('logs whole lines and redacts a secret even when split across chunks', () => {
    const lines: string[] = []
    const log = lineLogger(l => lines.push(l), ['hunter2-secret'])
    log.write('step 1\nvalue: hunter')
    log.write('2-secret done\nlast')
    log.flush()
    expect(lines).toEqual(['step 1', 'value: *** done', 'last'])
  })
})
