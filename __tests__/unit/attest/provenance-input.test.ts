import { describe, expect, it } from '@jest/globals'
import { parseProvenance } from '../../../src/inputs/provenance.js'
import { InputError } from '../../../src/inputs/errors.js'
import { parseCli } from '../../../src/cli/args.js'
import { asUsageError } from '../../../src/cli/errors.js'

describe('parseProvenance', () => {
  it.each([
    ['', { mode: 'min', signing: 'auto', explicit: false }],
    ['true', { mode: 'min', signing: 'auto', explicit: true }],
    ['TRUE', { mode: 'min', signing: 'auto', explicit: true }],
    ['false', { mode: 'off', signing: 'off', explicit: true }],
    ['mode=min', { mode: 'min', signing: 'auto', explicit: true }],
    ['mode=max', { mode: 'max', signing: 'auto', explicit: true }],
    [' mode=max , signing=required ', { mode: 'max', signing: 'required', explicit: true }],
    ['signing=off', { mode: 'min', signing: 'off', explicit: true }],
    ['mode=max,version=v1', { mode: 'max', signing: 'auto', explicit: true }]
  ])('%j → %j', (raw, expected) => {
    expect(parseProvenance(raw)).toEqual(expected)
  })

  it.each([
    ['yes', /'yes' is not key=value/],
    ['mode=full', /mode must be min or max/],
    ['signing=always', /signing must be one of auto, required, off/],
    ['builder-id=x', /'builder-id' is not an attribute/],
    ['version=v0.2', /only SLSA provenance v1/],
    ['mode=max=1', /not key=value/]
  ])('%j is an InputError naming the input and the fix', (raw, why) => {
    let error: unknown
    try {
      parseProvenance(raw)
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(InputError)
    expect((error as InputError).input).toBe('provenance')
    expect((error as Error).message).toMatch(why)
    expect((error as Error).message).toMatch(/use true, false, mode=min, mode=max/)
  })
})

describe('--provenance and --no-provenance', () => {
  const inputs = (argv: string[]) => {
    const parsed = parseCli(argv, {})
    if (parsed.help) throw new Error('help')
    return parsed.inputs.provenance
  }

  it('defaults to mode=min and reads the input’s values', () => {
    expect(inputs([])).toEqual({ mode: 'min', signing: 'auto', explicit: false })
    expect(inputs(['--provenance', 'mode=max,signing=required'])).toEqual({
      mode: 'max',
      signing: 'required',
      explicit: true
    })
    expect(inputs(['--no-provenance'])).toMatchObject({ mode: 'off' })
  })

  it('a bad value is a usage error naming the flag', () => {
    let error: unknown
    try {
      inputs(['--provenance', 'mode=huge'])
    } catch (err) {
      error = err
    }
    expect(asUsageError(error)?.message).toMatch(
      /^--provenance: mode must be min or max, not 'huge'; use true/
    )
    expect(() => inputs(['--no-provenance', '--provenance', 'true'])).toThrow(/conflicts with --provenance/)
  })
})
