import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Writable } from 'node:stream'
import { TarWatcher, type TarEntry } from '../../../src/builders/layout/tar-watch.js'

let dir: string
const files = new Map<string, Buffer>()
const longName = `blobs/${'d'.repeat(60)}/${'f'.repeat(70)}`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tar-watch-'))
  const add = async (name: string, bytes: Buffer) => {
    await mkdir(join(dir, 'in', name, '..'), { recursive: true })
    await writeFile(join(dir, 'in', name), bytes)
    files.set(name, bytes)
  }
  await add('oci-layout', Buffer.from('{"imageLayoutVersion":"1.0.0"}'))
  await add('blobs/sha256/big', randomBytes(3 * 1024 * 1024 + 123))
  await add('blobs/sha256/empty', Buffer.alloc(0))
  await add('blobs/sha256/exact', randomBytes(1024))
  await add(longName, randomBytes(5000))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The archive GNU tar writes in `format` (gnu: ././@LongLink for long names; posix: PAX headers). */
function archive(format: 'gnu' | 'posix' | 'ustar' | 'v7', names = ['.']): Buffer {
  return execFileSync('tar', ['-c', `--format=${format}`, '-f', '-', '-C', join(dir, 'in'), ...names], {
    maxBuffer: 64 * 1024 * 1024
  })
}

function paxRecords(records: Record<string, string>): Buffer {
  return Buffer.from(
    Object.entries(records)
      .map(([key, value]) => {
        const text = ` ${key}=${value}\n`
        let length = text.length + 1
        while (String(length).length + text.length !== length) length++
        return `${length}${text}`
      })
      .join('')
  )
}

/** A hand-made tar entry: header (checksummed) and padded payload. */
function entry(
  type: string,
  name: string,
  payload: Buffer,
  sizeField = payload.length,
  base256 = false,
  magic = 'ustar\0',
  prefix = ''
): Buffer[] {
  const header = Buffer.alloc(512)
  header.write(name, 0, 'utf8')
  header.write('0000644\0', 100)
  if (base256) {
    header[124] = 0x80
    header.writeUIntBE(sizeField, 136 - 6, 6)
  } else header.write(sizeField.toString(8).padStart(11, '0') + '\0', 124)
  header.write(type, 156, 'latin1')
  header.write(magic, 257, 'latin1')
  header.write(prefix, 345)
  header.fill(' ', 148, 156)
  let sum = 0
  for (const byte of header) sum += byte
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148)
  const padding = Buffer.alloc((512 - (payload.length % 512)) % 512)
  return [header, payload, padding]
}

/** Feeds `bytes` to a watcher in chunks of random sizes; collects what each sink received. */
async function watch(
  bytes: Buffer,
  want: (entry: TarEntry) => boolean = () => true,
  sinkOptions: { highWaterMark?: number; slow?: boolean } = {}
) {
  const seen: TarEntry[] = []
  const got = new Map<string, Buffer>()
  const failed = new Map<string, Error>()
  const reading: Promise<void>[] = []
  let mostHeld = 0
  const watcher = new TarWatcher(async entry => {
    seen.push(entry)
    if (!want(entry)) return undefined
    const sink = new PassThrough({ highWaterMark: sinkOptions.highWaterMark ?? 16 * 1024 })
    reading.push(
      (async () => {
        const parts: Buffer[] = []
        try {
          for await (const part of sink) {
            mostHeld = Math.max(mostHeld, (part as Buffer).length + sink.readableLength + sink.writableLength)
            if (sinkOptions.slow) await new Promise(r => setImmediate(r))
            parts.push(part as Buffer)
          }
          got.set(entry.name, Buffer.concat(parts))
        } catch (error) {
          failed.set(entry.name, error as Error)
        }
      })()
    )
    return sink
  })
  for (let at = 0; at < bytes.length;) {
    const n = Math.min(bytes.length - at, 1 + Math.floor(Math.random() * 300_000))
    const chunk = bytes.subarray(at, at + n)
    if (!watcher.write(chunk)) await new Promise(r => watcher.once('drain', r))
    at += n
  }
  await new Promise<void>(resolve => watcher.end(resolve))
  await Promise.all(reading)
  return { seen, got, failed, mostHeld }
}

describe('TarWatcher', () => {
  // gnu: a ././@LongLink entry for the long name; posix: a PAX header; ustar: the name split into prefix.
  it.each(['gnu', 'posix', 'ustar'] as const)(
    'hands every regular file of a %s tar to its sink, byte for byte, long names included',
    async format => {
      const { seen, got, failed } = await watch(archive(format))
      expect(failed.size).toBe(0)
      expect(new Set(seen.map(e => e.name))).toEqual(new Set(files.keys()))
      for (const [name, bytes] of files) {
        expect(seen.find(e => e.name === name)?.size).toBe(bytes.length)
        expect(got.get(name)?.equals(bytes)).toBe(true)
      }
    }
  )

  it("reads v7 tars, whose regular files are of type '\\0'", async () => {
    const { got } = await watch(archive('v7', ['oci-layout', 'blobs/sha256/exact']))
    expect(got.get('blobs/sha256/exact')?.equals(files.get('blobs/sha256/exact')!)).toBe(true)
    expect(got.get('oci-layout')?.equals(files.get('oci-layout')!)).toBe(true)
  })

  it('takes the size from a PAX record or a base-256 field, and skips global PAX headers', async () => {
    const body = randomBytes(70_000)
    const pax = paxRecords({ path: 'blobs/sha256/from-pax', size: String(body.length) })
    const archive = Buffer.concat([
      ...entry('x', 'PaxHeaders/x', pax),
      ...entry('g', 'global', paxRecords({ comment: 'hello' })),
      // Its own size field says 0: the PAX size counts. The global header between did not clear it.
      ...entry('0', 'short-name', body, 0),
      ...entry('0', 'blobs/sha256/base256', body, body.length, true),
      Buffer.alloc(1024)
    ])
    const { seen, got } = await watch(archive)
    expect(seen).toEqual([
      { name: 'blobs/sha256/from-pax', size: body.length },
      { name: 'blobs/sha256/base256', size: body.length }
    ])
    expect(got.get('blobs/sha256/from-pax')?.equals(body)).toBe(true)
    expect(got.get('blobs/sha256/base256')?.equals(body)).toBe(true)
  })

  it("reads no name prefix from GNU headers (their 'ustar  ' magic keeps times there)", async () => {
    const gnu = entry('0', 'name', Buffer.from('x'), 1, false, 'ustar  \0', 'prefix-bytes')
    const { seen } = await watch(Buffer.concat([...gnu, Buffer.alloc(1024)]))
    expect(seen).toEqual([{ name: 'name', size: 1 }])
  })

  it('skips the bytes of entries it is not asked for, and still finds the ones after them', async () => {
    const { got } = await watch(archive('posix'), e => e.name === longName || e.name === 'oci-layout')
    expect([...got.keys()].sort()).toEqual(['oci-layout', longName].sort())
    expect(got.get(longName)?.equals(files.get(longName)!)).toBe(true)
  })

  it('waits for a slow sink (backpressure) and loses nothing', async () => {
    const { got, mostHeld } = await watch(archive('gnu'), e => e.name === 'blobs/sha256/big', {
      highWaterMark: 1024,
      slow: true
    })
    expect(got.get('blobs/sha256/big')?.equals(files.get('blobs/sha256/big')!)).toBe(true)
    // At most the sink's mark plus one chunk of the input (≤ 300 000 bytes) waits in it.
    expect(mostHeld).toBeLessThanOrEqual(1024 + 300_000)
  })

  it('destroys the sink of an entry the archive ends inside', async () => {
    const whole = archive('gnu')
    const { failed, got } = await watch(
      whole.subarray(0, whole.indexOf(files.get('blobs/sha256/big')!) + 1000)
    )
    expect(failed.get('blobs/sha256/big')?.message).toMatch(/ended inside blobs\/sha256\/big/)
    expect(got.has('blobs/sha256/big')).toBe(false)
  })

  it('keeps the stream flowing past a sink that is destroyed, and serves the entries after it', async () => {
    const watcher = new TarWatcher(async entry => {
      if (entry.name !== 'blobs/sha256/big') return collect(entry.name)
      const sink = new Writable({ write: (_c, _e, cb) => cb() })
      sink.destroy()
      return sink
    })
    const got = new Map<string, Buffer[]>()
    function collect(name: string): Writable {
      got.set(name, [])
      return new Writable({ write: (c: Buffer, _e, cb) => (got.get(name)!.push(c), cb()) })
    }
    watcher.end(archive('gnu'))
    await new Promise(r => watcher.once('finish', r))
    expect(Buffer.concat(got.get(longName) ?? []).equals(files.get(longName)!)).toBe(true)
  })

  it('stops watching, without failing the stream, on bytes that are not a tar', async () => {
    const asked: TarEntry[] = []
    const watcher = new TarWatcher(async entry => (asked.push(entry), undefined))
    const finished = new Promise(r => watcher.once('finish', r))
    watcher.write(randomBytes(4096))
    watcher.end(archive('gnu'))
    await finished
    expect(asked).toEqual([])
  })
})
