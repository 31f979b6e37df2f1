import { describe, expect, it } from '@jest/globals'
import { lineLogger } from '../../../src/builders/output.js'
import { redactSecrets as redact } from '../../../src/secrets.js'

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

describe('redactSecrets', () => {
  it('replaces the longest secret first, so one inside another leaks nothing', () => {
    const password = 'hunter2'
    const basic = Buffer.from(`octocat:${password}`).toString('base64')
    const pair = `octocat:${password}`
    expect(redact(`-u ${pair} (${password})`, [password, pair])).toBe('-u *** (***)')
    expect(redact(`token ${password}-extra`, [password, `${password}-extra`])).toBe('token ***')
    expect(redact(`auth ${basic}`, [password, basic])).toBe('auth ***')
  })
})
