import { mkdir, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough, type Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import { fileDigest } from '../../registry/index.js'
import type { BlobObserver, Runner } from '../types.js'
import { findImages, readLayoutIndex, type FoundImage } from './normalize.js'
import {
  OCI_CONFIG,
  OCI_LAYER,
  OCI_MANIFEST,
  parseDockerArchiveManifest,
  parseImageConfig,
  type Descriptor
} from '../../registry/index.js'
import { blobPath, blobsDir, writeBlob } from './oci.js'
import { TarWatcher, type TarEntry } from './tar-watch.js'
import { Tee } from './tee.js'
import { exists } from '../../files.js'

/**
 * Unpacks into `dir` the tar stream `produce` writes (to the stream it is given) while it writes it: no
 * tarball on disk, and the unpacking overlaps the export. `produce` gets a signal that fires when the
 * unpacking failed (nothing reads its output any more: it must stop, not block on a full pipe). The
 * producer's failure is the error; the unpacking's when the producer succeeded or was stopped for it.
 * `onBlob` gets the bytes of the layout's blobs as they pass, when it asks for them (see BlobObserver).
 */
export async function unpackWhileProducing(
  dir: string,
  run: Runner,
  produce: (stdoutTo: NodeJS.WritableStream, signal: AbortSignal) => Promise<unknown>,
  signal?: AbortSignal,
  onBlob?: BlobObserver
): Promise<void> {
  await mkdir(dir, { recursive: true })
  const unpackFailed = new AbortController()
  const tarInput = new PassThrough()
  const stream = onBlob ? new Tee([tarInput, new TarWatcher(blobsOf(onBlob))]) : tarInput
  const unpacking = run('tar', untarArgs('-', dir), { stdinFrom: tarInput, signal })
  // Which failed first is the cause: the other fails because of it (a truncated stream, a stop).
  let first: 'produce' | 'unpack' | undefined
  unpacking.catch(() => {
    first ??= 'unpack'
    // Nothing reads it any more: a write of the Tee waiting for it to drain must not wait forever.
    tarInput.destroy()
    unpackFailed.abort(new Error('unpacking the tarball failed'))
  })
  const producerSignal = signal ? AbortSignal.any([signal, unpackFailed.signal]) : unpackFailed.signal
  const producing = (async () => produce(stream, producerSignal))().finally(() => {
    if (!stream.destroyed) stream.end()
  })
  producing.catch(() => (first ??= 'produce'))
  const [produced, unpacked] = await Promise.allSettled([producing, unpacking])
  // A failure: whatever still waits on the tarball (a sink of the observer) learns that it has ended.
  if (produced.status === 'rejected' || unpacked.status === 'rejected') stream.destroy()
  if (produced.status === 'rejected' && (first === 'produce' || unpacked.status === 'fulfilled'))
    throw produced.reason
  if (unpacked.status === 'rejected') throw unpacked.reason
  // tar may have unpacked everything while the watcher still works through its buffer: every blob is
  // offered (and its sink ended) before the layout is handed on.
  if (stream !== tarInput) await finished(stream)
}

/** An OCI layout's blob entries (`blobs/sha256/<hex>`) by digest; other entries are not offered. */
function blobsOf(onBlob: BlobObserver): (entry: TarEntry) => Promise<Writable | undefined> {
  return async entry => {
    const hex = /^blobs\/sha256\/([a-f0-9]{64})$/.exec(entry.name)?.[1]
    return hex ? onBlob({ digest: `sha256:${hex}`, size: entry.size }) : undefined
  }
}

/** Unpacks a tar archive (a `docker save` or an OCI tarball) into `dir`. */
export async function extractTar(
  tarFile: string,
  dir: string,
  run: Runner,
  signal?: AbortSignal
): Promise<void> {
  await mkdir(dir, { recursive: true })
  await run('tar', untarArgs(tarFile, dir), { signal })
}

/** `tar` unpacking `source` (a file, or `-` for stdin) into `dir`, the files owned by whoever runs it. */
function untarArgs(source: string, dir: string): string[] {
  return ['-x', '--no-same-owner', '-f', source, '-C', dir]
}

/**
 * Moves the images of an extracted archive into `layoutDir` and returns them. Handles both `docker save`
 * formats: the OCI layout of engine ≥ 25 and the older docker-archive (manifest.json + layer.tar files),
 * which is converted to OCI with its layers left uncompressed (compressed once, at the push).
 */
export async function importArchive(extractedDir: string, layoutDir: string): Promise<FoundImage[]> {
  await mkdir(blobsDir(layoutDir), { recursive: true })
  if (await exists(join(extractedDir, 'oci-layout'))) {
    await moveBlobs(extractedDir, layoutDir)
    return findImages(layoutDir, await readLayoutIndex(extractedDir))
  }
  if (await exists(join(extractedDir, 'manifest.json'))) {
    return findImages(layoutDir, await convertDockerArchive(extractedDir, layoutDir))
  }
  throw new Error(`${extractedDir} holds neither an OCI layout nor a docker-archive`)
}

async function moveBlobs(fromLayout: string, toLayout: string): Promise<void> {
  for (const name of await readdir(blobsDir(fromLayout))) {
    const target = join(blobsDir(toLayout), name)
    if (await exists(target)) await rm(join(blobsDir(fromLayout), name))
    else await rename(join(blobsDir(fromLayout), name), target)
  }
}

async function convertDockerArchive(dir: string, layoutDir: string): Promise<Descriptor[]> {
  const manifestFile = join(dir, 'manifest.json')
  const entries = parseDockerArchiveManifest(await readFile(manifestFile), manifestFile)
  const descriptors: Descriptor[] = []
  for (const entry of entries) {
    const configBytes = await readFile(join(dir, entry.Config))
    const config = await writeBlob(layoutDir, OCI_CONFIG, configBytes)
    const layers: Descriptor[] = []
    for (const layer of entry.Layers) layers.push(await moveLayer(join(dir, layer), layoutDir))
    const manifest = { schemaVersion: 2, mediaType: OCI_MANIFEST, config, layers }
    const written = await writeBlob(layoutDir, OCI_MANIFEST, Buffer.from(JSON.stringify(manifest)))
    const { os, architecture, variant } = parseImageConfig(configBytes, join(dir, entry.Config))
    const platform = {
      os: os ?? 'linux',
      architecture: architecture ?? 'amd64',
      ...(variant ? { variant } : {})
    }
    descriptors.push({ ...written, platform })
  }
  return descriptors
}

/**
 * Moves an uncompressed layer tar into the layout as is (its digest is the diffID): the push compresses
 * it once, while it uploads (see publish/compress-layers.ts).
 */
async function moveLayer(layerTar: string, layoutDir: string): Promise<Descriptor> {
  const source = await realpath(layerTar)
  const digest = await fileDigest(source)
  const { size } = await stat(source)
  const target = blobPath(layoutDir, digest)
  // Layers shared by several images of the archive are moved once.
  if (!(await exists(target))) await rename(source, target)
  return { mediaType: OCI_LAYER, digest, size }
}
