/** At most `limit` tasks at once; the rest wait in order. */
export class Limiter {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`concurrency must be a positive integer, got ${limit}`)
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>(resolve => this.waiting.push(resolve))
    this.active++
    try {
      return await task()
    } finally {
      this.active--
      this.waiting.shift()?.()
    }
  }
}

/** Shares one in-flight promise per key (concurrent pushes of the same blob become one). */
export class InFlight<T> {
  private readonly pending = new Map<string, Promise<T>>()

  run(key: string, task: () => Promise<T>): Promise<T> {
    const existing = this.pending.get(key)
    if (existing) return existing
    const started = task().finally(() => this.pending.delete(key))
    this.pending.set(key, started)
    return started
  }
}
