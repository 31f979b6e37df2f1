import { describe, expect, it } from '@jest/globals'
import { whileChecking } from '../../src/preflight.js'

const never = new AbortController().signal

/** A build that runs until its signal fires (then fails, as a killed builder does) or `finish` is called. */
function stoppableBuild() {
  let finish!: (value: string) => void
  const seen: { signal?: AbortSignal } = {}
  const work = (signal: AbortSignal) =>
    new Promise<string>((resolve, reject) => {
      seen.signal = signal
      finish = resolve
      signal.addEventListener('abort', () => reject(new Error('build killed')))
    })
  return { work, seen, finish: (v: string) => finish(v) }
}

describe('whileChecking (the preflight runs while the build does)', () => {
  it('a failed check stops the build and is the error the step fails with', async () => {
    const build = stoppableBuild()
    const refused = new Error('may not push')
    await expect(whileChecking(Promise.reject(refused), never, build.work)).rejects.toBe(refused)
    expect(build.seen.signal?.aborted).toBe(true)
  })

  it('a build that finished before the check failed is discarded, and the check error thrown', async () => {
    let failCheck!: (e: Error) => void
    const check = new Promise<void>((_, reject) => (failCheck = reject))
    const discarded: string[] = []
    const result = whileChecking(
      check,
      never,
      async () => 'layout',
      async r => void discarded.push(r)
    )
    await new Promise(r => setTimeout(r, 10))
    failCheck(new Error('401'))
    await expect(result).rejects.toThrow('401')
    expect(discarded).toEqual(['layout'])
  })

  it('hands the build over only once the check passed', async () => {
    let pass!: () => void
    const check = new Promise<void>(resolve => (pass = resolve))
    let settled = false
    const result = whileChecking(check, never, async () => 'layout').then(v => ((settled = true), v))
    await new Promise(r => setTimeout(r, 20))
    expect(settled).toBe(false)
    pass()
    await expect(result).resolves.toBe('layout')
  })

  it('a failed build (check passed) fails with its own error', async () => {
    await expect(
      whileChecking(Promise.resolve(), never, async () => {
        throw new Error('RUN failed')
      })
    ).rejects.toThrow('RUN failed')
  })

  it('the run being cancelled reaches the build', async () => {
    const run = new AbortController()
    const build = stoppableBuild()
    const result = whileChecking(new Promise<void>(() => {}), run.signal, build.work)
    run.abort()
    expect(build.seen.signal?.aborted).toBe(true)
    void result.catch(() => {})
  })
})
