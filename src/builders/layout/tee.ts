import { Writable } from 'node:stream'

/**
 * Writes what it is given to every output, at the pace of the slowest. An output that fails or closes
 * is left out from then on (its reader reports the failure), so that the others never wait for it.
 */
export class Tee extends Writable {
  constructor(private readonly outputs: Writable[]) {
    // Not destroyed when finished: that would destroy the outputs, while tar still reads its input.
    super({ autoDestroy: false })
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    const live = this.outputs.filter(o => !o.destroyed && !o.writableEnded)
    let waiting = live.length
    const oneDone = () => --waiting === 0 && callback()
    if (waiting === 0) return callback()
    for (const output of live) {
      if (output.write(chunk)) oneDone()
      else settleOn(output, 'drain', oneDone)
    }
  }

  /** Finishes once every output has (the watcher may still be handing its last bytes to a sink). */
  override _final(callback: () => void): void {
    let waiting = this.outputs.length
    const oneDone = () => --waiting === 0 && callback()
    for (const output of this.outputs) {
      if (output.writableFinished || output.destroyed) oneDone()
      else {
        settleOn(output, 'finish', oneDone)
        output.end()
      }
    }
  }

  /** Only on a failure (see unpackWhileProducing): whatever still waits on an output learns it ended. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    for (const output of this.outputs) output.destroy()
    callback(error)
  }
}

/** Calls `done` once, on `event` or when the output closes or fails (it then waits for nothing more). */
function settleOn(output: Writable, event: 'drain' | 'finish', done: () => void): void {
  const settle = () => {
    output.off(event, settle).off('close', settle).off('error', settle)
    done()
  }
  output.on(event, settle).on('close', settle).on('error', settle)
}
