import { createHash, randomUUID } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import type { Runner } from '../types.js'
import { findImages, readLayoutIndex, type FoundImage } from './normalize.js'
import {
  OCI_CONFIG,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  parseDockerArchiveManifest,
  parseImageConfig,
  type Descriptor
} from '../../registry/index.js'
import { blobPath, blobsDir, writeBlob } from './oci.js'
import { exists } from '../../files.js'

/** Unpacks a tar archive (a `docker save` or an OCI tarball) into `dir`. */
export async function extractTar(tarFile: string, dir: string, run: Runner): Promise<void> {
  await mkdir(dir, { recursive: true })
  await run('tar', ['-x', '--no-same-owner', '-f', tarFile, '-C', dir])
}

/**
 * Moves the images of an extracted archive into `layoutDir` and returns them. Handles both `docker save`
 * formats: the OCI layout of engine ≥ 25 and the older docker-archive (manifest.json + layer.tar files),
 * which is converted to OCI with gzip-compressed layers.
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
    for (const layer of entry.Layers) layers.push(await gzipLayer(join(dir, layer), layoutDir))
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

/** Compresses an uncompressed layer tar into a blob; the config's diff_ids stay valid. */
async function gzipLayer(layerTar: string, layoutDir: string): Promise<Descriptor> {
  const hash = createHash('sha256')
  let size = 0
  const measure = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    }
  })
  const tmp = join(blobsDir(layoutDir), `.tmp-${randomUUID()}`)
  await pipeline(createReadStream(layerTar), createGzip(), measure, createWriteStream(tmp))
  const digest = `sha256:${hash.digest('hex')}`
  await rename(tmp, blobPath(layoutDir, digest))
  return { mediaType: OCI_LAYER_GZIP, digest, size }
}
