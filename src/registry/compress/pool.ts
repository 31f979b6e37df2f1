/** A pool of deflate worker threads, shared by every compression of the process; idle workers do not keep it alive. */
import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import { DEFLATE_WORKER_SOURCE } from './worker-source.js'

export interface DeflateTask {
  /** Handed over: its buffer is transferred to the worker (detached here). Must be exact-sized. */
  data: Uint8Array
  dictionary?: Uint8Array
  level: number
  last: boolean
}

export interface DeflatedBlock {
  out: Uint8Array
  crc: number
  /** The block did not compress and was stored (level 0). */
  stored: boolean
}

interface Pending {
  task: DeflateTask
  resolve: (block: DeflatedBlock) => void
  reject: (error: Error) => void
}

interface Reply {
  id: number
  out?: Uint8Array
  crc?: number
  stored?: boolean
  error?: string
}

interface SlotEvents {
  /** The slot finished a block and takes another. */
  free(slot: Slot): void
  /** The worker died (an uncaught error, out of memory, terminated): the slot takes nothing more. */
  dead(slot: Slot): void
}

class Slot {
  readonly worker: Worker
  current?: { id: number; pending: Pending }
  private dead = false

  constructor(
    source: string,
    private readonly events: SlotEvents
  ) {
    this.worker = new Worker(source, { eval: true })
    this.worker.on('message', (reply: Reply) => this.settle(reply))
    this.worker.on('error', (error: Error) =>
      this.die(new Error('a deflate worker thread failed', { cause: error }))
    )
    this.worker.on('exit', code => this.die(new Error(`a deflate worker thread exited (code ${code})`)))
    // After the listeners: adding a 'message' listener refs the worker's port again, and an idle worker
    // (one warm() started) would then keep the process alive.
    this.worker.unref()
  }

  start(id: number, pending: Pending): void {
    this.current = { id, pending }
    this.worker.ref()
    const { data } = pending.task
    try {
      // The block is transferred (the caller hands it over); the dictionary is small and copied.
      this.worker.postMessage(
        { id, ...pending.task },
        data.byteLength > 0 ? [data.buffer as ArrayBuffer] : []
      )
    } catch (error) {
      // A block that cannot be sent (a detached buffer) fails alone; the worker takes the next one.
      this.current = undefined
      this.worker.unref()
      pending.reject(new Error('cannot hand a block to a deflate worker thread', { cause: error }))
    }
  }

  private settle(reply: Reply): void {
    if (this.dead || reply.id !== this.current?.id) return
    const { pending } = this.current
    this.current = undefined
    this.worker.unref()
    if (reply.error !== undefined || !reply.out) pending.reject(new Error(`deflate worker: ${reply.error}`))
    else pending.resolve({ out: reply.out, crc: reply.crc! >>> 0, stored: reply.stored === true })
    this.events.free(this)
  }

  /** Once: the block in flight fails, and the pool replaces the slot (a dead worker never answers). */
  private die(error: Error): void {
    if (this.dead) return
    this.dead = true
    const pending = this.current?.pending
    this.current = undefined
    this.worker.unref()
    this.events.dead(this)
    pending?.reject(error)
  }
}

export class DeflatePool {
  private readonly slots: Slot[] = []
  private readonly queue: Pending[] = []
  private nextId = 0
  private closed = false

  /** `source`: the worker's code (tests give a failing one). */
  constructor(
    readonly size: number = availableParallelism(),
    private readonly source: string = DEFLATE_WORKER_SOURCE
  ) {}

  deflate(task: DeflateTask): Promise<DeflatedBlock> {
    return new Promise((resolve, reject) => {
      this.queue.push({ task, resolve, reject })
      this.dispatch()
    })
  }

  /**
   * Starts every worker now, idle: a worker takes ~15 ms of CPU to start, which otherwise delays the
   * first blocks of the first compression. Call it while something else runs (a build).
   */
  warm(): void {
    try {
      while (this.grow()) {
        // grow() adds a worker until the pool is full
      }
    } catch {
      // A thread that cannot start now fails the first block that needs it (see dispatch), not this.
    }
  }

  /** How many workers are started. */
  get started(): number {
    return this.slots.length
  }

  /** Stops every worker (tests; the process does not need it). */
  async close(): Promise<void> {
    this.closed = true
    const slots = this.slots.splice(0)
    await Promise.all(slots.map(s => s.worker.terminate()))
  }

  /**
   * Starts queued blocks on free workers. It runs in workers' event listeners too (a block done, a
   * worker dead), where a throw would be an uncaught exception: a worker that cannot be started fails
   * the queued blocks when no other worker is left to take them.
   */
  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot: Slot | undefined
      try {
        slot = this.slots.find(s => !s.current) ?? this.grow()
      } catch (error) {
        if (this.slots.length === 0) this.failQueued(error)
        return
      }
      if (!slot) return
      slot.start(this.nextId++, this.queue.shift()!)
    }
  }

  private failQueued(cause: unknown): void {
    const error = new Error('cannot start a deflate worker thread', { cause })
    for (const pending of this.queue.splice(0)) pending.reject(error)
  }

  private grow(): Slot | undefined {
    if (this.closed || this.slots.length >= this.size) return undefined
    const slot = new Slot(this.source, {
      free: () => this.dispatch(),
      dead: dead => {
        const at = this.slots.indexOf(dead)
        if (at >= 0) this.slots.splice(at, 1)
        this.dispatch()
      }
    })
    this.slots.push(slot)
    return slot
  }
}

let shared: DeflatePool | undefined

export function sharedDeflatePool(): DeflatePool {
  shared ??= new DeflatePool(Math.max(1, availableParallelism()))
  return shared
}
