/**
 * Reads a tar stream as it passes (it does not unpack it: `tar` does) and hands the bytes of the
 * regular files an observer asks for to that observer, as they come. This is how the push starts
 * compressing a layer while the builder still sends it (see publish/head-start.ts).
 *
 * Watching never fails the stream: an archive it cannot read only ends the watching (`tar` is the one
 * that judges the archive), and a sink that stops reading only loses the rest of its entry.
 */
import { once } from 'node:events'
import { Writable } from 'node:stream'

const BLOCK = 512

export interface TarEntry {
  /** The entry's path, without a leading `./`. */
  name: string
  size: number
}

/** A sink for the entry's bytes (ended after its last byte, destroyed if the archive ends early), or none. */
export type TarObserver = (entry: TarEntry) => Promise<Writable | undefined>

interface Header {
  name: string
  size: number
  type: string
}

export class TarWatcher extends Writable {
  private header = Buffer.alloc(0)
  /** Bytes of the current entry's payload still to come, and the padding after it. */
  private payloadLeft = 0
  private paddingLeft = 0
  private payloadKind: 'file' | 'pax' | 'longname' | 'skip' = 'skip'
  private meta: Buffer[] = []
  private nextName?: string
  private nextSize?: number
  private sink?: Writable
  private current?: TarEntry
  private done = false

  constructor(private readonly observe: TarObserver) {
    super()
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.consume(chunk).then(
      () => callback(),
      () => {
        // Unreadable archive or a failing observer: stop watching, keep the stream flowing.
        this.abandonSink(new Error('the tarball could not be watched'))
        this.done = true
        callback()
      }
    )
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (this.payloadLeft > 0) this.abandonSink(new Error(`the tarball ended inside ${this.current?.name}`))
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.abandonSink(error ?? new Error(`the tarball was not read to its end`))
    this.done = true
    callback(error)
  }

  private async consume(chunk: Buffer): Promise<void> {
    let at = 0
    while (at < chunk.length && !this.done) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - at)
        await this.payload(chunk.subarray(at, at + n))
        this.payloadLeft -= n
        at += n
        if (this.payloadLeft === 0) this.endPayload()
      } else if (this.paddingLeft > 0) {
        const n = Math.min(this.paddingLeft, chunk.length - at)
        this.paddingLeft -= n
        at += n
      } else {
        const n = Math.min(BLOCK - this.header.length, chunk.length - at)
        this.header = Buffer.concat([this.header, chunk.subarray(at, at + n)])
        at += n
        if (this.header.length === BLOCK) await this.startEntry(this.takeHeader())
      }
    }
  }

  private takeHeader(): Buffer {
    const block = this.header
    this.header = Buffer.alloc(0)
    return block
  }

  private async startEntry(block: Buffer): Promise<void> {
    if (block.every(b => b === 0)) return // end-of-archive blocks
    const header = parseHeader(block)
    const meta = ['x', 'L', 'g', 'K'].includes(header.type)
    const size = meta ? header.size : (this.nextSize ?? header.size)
    this.payloadLeft = size
    this.paddingLeft = (BLOCK - (size % BLOCK)) % BLOCK
    this.payloadKind = 'skip'
    // g (global PAX) and K (GNU long link name) are skipped, and leave the next entry's name alone.
    if (header.type === 'g' || header.type === 'K') this.payloadKind = 'skip'
    else if (header.type === 'x') this.payloadKind = 'pax'
    else if (header.type === 'L') this.payloadKind = 'longname'
    else {
      const name = (this.nextName ?? header.name).replace(/^\.\//, '')
      this.nextName = this.nextSize = undefined
      if (header.type === '0' || header.type === '\0') await this.startFile({ name, size })
    }
    if (size === 0) this.endPayload()
  }

  private async startFile(entry: TarEntry): Promise<void> {
    this.current = entry
    this.sink = await this.observe(entry)
    if (this.destroyed) this.sink?.destroy(new Error('the tarball was not read to its end'))
    // Its reader sees its failures; here, a failed sink only stops getting bytes.
    this.sink?.on('error', () => {})
    if (this.sink) this.payloadKind = 'file'
  }

  private async payload(bytes: Buffer): Promise<void> {
    if (this.payloadKind === 'pax' || this.payloadKind === 'longname') this.meta.push(Buffer.from(bytes))
    // Not a copy: `bytes` is also on its way to tar, so the sink's reader only reads it (BlobObserver).
    else if (this.payloadKind === 'file' && this.sink) await writeUnlessGone(this.sink, bytes)
  }

  private endPayload(): void {
    if (this.payloadKind === 'pax') this.applyPax(Buffer.concat(this.meta).toString('utf8'))
    else if (this.payloadKind === 'longname') this.nextName = cString(Buffer.concat(this.meta))
    else if (this.payloadKind === 'file' && !this.sink?.destroyed) this.sink?.end()
    this.meta = []
    this.sink = undefined
    this.payloadKind = 'skip'
  }

  /** PAX records (`<len> <key>=<value>\n`): the next entry's path and size. */
  private applyPax(records: string): void {
    for (const line of records.split('\n')) {
      const match = /^\d+ ([^=]+)=(.*)$/s.exec(line)
      if (match?.[1] === 'path') this.nextName = match[2]
      if (match?.[1] === 'size') this.nextSize = Number(match[2])
    }
  }

  private abandonSink(error: Error): void {
    if (this.payloadKind === 'file') this.sink?.destroy(error)
    this.sink = undefined
    this.payloadKind = 'skip'
  }
}

/** Writes, waiting while the sink is full; a sink destroyed meanwhile gets nothing more. */
async function writeUnlessGone(sink: Writable, bytes: Buffer): Promise<void> {
  if (sink.destroyed || sink.writableEnded) return
  if (sink.write(bytes)) return
  const gone = new AbortController()
  // An 'error' rejects these: the sink is gone then too (its 'close' follows).
  await Promise.race([
    once(sink, 'drain', { signal: gone.signal }),
    once(sink, 'close', { signal: gone.signal })
  ])
    .catch(() => {})
    .finally(() => gone.abort())
}

function parseHeader(block: Buffer): Header {
  if (!checksumMatches(block)) throw new Error('not a tar header')
  const name = cString(block.subarray(0, 100))
  // POSIX ustar ("ustar\0") has a name prefix there; GNU's "ustar  " keeps times in those bytes.
  const posix = block.subarray(257, 263).toString('latin1') === 'ustar\0'
  const prefix = posix ? cString(block.subarray(345, 500)) : ''
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: parseSize(block.subarray(124, 136)),
    type: String.fromCharCode(block[156]!)
  }
}

function checksumMatches(block: Buffer): boolean {
  let sum = 0
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!
  return parseOctal(block.subarray(148, 156)) === sum
}

/** Octal digits, or GNU's base-256 (high bit of the first byte set) for sizes of 8 GiB and more. */
function parseSize(field: Buffer): number {
  if ((field[0]! & 0x80) === 0) return parseOctal(field)
  let value = field[0]! & 0x7f
  for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!
  return value
}

function parseOctal(field: Buffer): number {
  const text = cString(field).trim()
  if (!/^[0-7]+$/.test(text)) throw new Error(`bad octal field ${JSON.stringify(text)}`)
  return parseInt(text, 8)
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0)
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8')
}
