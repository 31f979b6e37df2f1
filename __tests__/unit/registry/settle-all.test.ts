import { describe, expect, it } from '@jest/globals'
import { settleAll } from '../../../src/registry/index.js'

const after = <T>(ms: number, value: () => T): Promise<T> =>
  new Promise(resolve => setTimeout(resolve, ms)).then(value)

describe('settleAll', () => {
  it('returns the values in the order of the tasks', async () => {
    expect(await settleAll([after(20, () => 'a'), Promise.resolve('b'), after(5, () => 'c')])).toEqual([
      'a',
      'b',
      'c'
    ])
  })

  it('throws the failure that came first in time, once every task has settled', async () => {
    const cause = new Error('denied: the first failure')
    const later = new Error('the deadline passed meanwhile')
    let lastDone = false
    const error = await settleAll([
      after(40, () => {
        throw later
      }),
      after(1, () => {
        throw cause
      }),
      after(80, () => (lastDone = true))
    ]).catch((err: unknown) => err)
    expect(error).toBe(cause)
    expect(lastDone).toBe(true)
  })
})
