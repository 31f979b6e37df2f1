/**
 * Pulls from `source` ahead of the consumer, holding up to `maxBytes`: the producer (compression) keeps
 * working while the consumer (an upload request) is busy, instead of waiting to be asked.
 */
export async function* readAhead<T extends Uint8Array>(
  source: AsyncIterable<T>,
  maxBytes: number
): AsyncGenerator<T> {
  const queue: T[] = []
  let queued = 0
  let done = false
  let failure: { error: unknown } | undefined
  let wake: (() => void) | undefined
  const notify = () => {
    wake?.()
    wake = undefined
  }
  const wait = () => new Promise<void>(resolve => (wake = resolve))
  let stopped = false
  const pump = (async () => {
    try {
      for await (const item of source) {
        queue.push(item)
        queued += item.byteLength
        notify()
        while (queued >= maxBytes && !stopped) await wait()
        if (stopped) return
      }
    } catch (error) {
      failure = { error }
    } finally {
      done = true
      notify()
    }
  })()
  try {
    for (;;) {
      const item = queue.shift()
      if (item) {
        queued -= item.byteLength
        notify()
        yield item
        continue
      }
      if (failure) throw failure.error
      if (done) return
      await wait()
    }
  } finally {
    stopped = true
    notify()
    await pump
  }
}
