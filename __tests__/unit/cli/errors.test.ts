import { describe, expect, it } from '@jest/globals'
import { HostError } from '../../../src/builders/errors.js'
import { asUsageError, UsageError } from '../../../src/cli/errors.js'
import { InputError } from '../../../src/inputs/errors.js'

describe('asUsageError', () => {
  it('names the flag of an input error (exit 2)', () => {
    const usage = asUsageError(new InputError('platforms', "'linux/xyz' is not a platform"))
    expect(usage).toBeInstanceOf(UsageError)
    expect(usage?.message).toBe("--platform: 'linux/xyz' is not a platform")
  })
  it('leaves host problems and other failures to exit 1', () => {
    expect(asUsageError(new HostError('no builder is available: …'))).toBeUndefined()
    expect(asUsageError(new Error('registry down'))).toBeUndefined()
  })
})
