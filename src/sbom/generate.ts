import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execCommand } from '../exec.js'
import { formatPlatform, type Descriptor, type Logger, type Platform } from '../registry/index.js'
import { sbomPredicateType } from './predicate.js'
import { SYFT_ENV, type SbomScanner } from './scanner.js'
import { singleManifestView } from './view.js'

/** One platform image of the build's OCI layout (what readBuiltImages returns fits). */
export interface SbomImage {
  platform: Platform
  manifest: Pick<Descriptor, 'mediaType' | 'digest' | 'size'>
}

/** The SBOM of one platform image: the predicate of an attestation about that image. */
export interface PlatformSbom {
  /** `os/arch[/variant]`. */
  platform: string
  /**
   * The digest of the manifest in the build's layout that was scanned. The push may rewrite layer
   * descriptors (compression), so the manifest the registry serves can have another digest: attach the
   * document to the pushed manifest of the same platform.
   */
  manifestDigest: string
  /** `https://spdx.dev/Document/v2.3`, `https://cyclonedx.org/bom`. */
  predicateType: string
  /** The document, as syft wrote it (JSON). */
  document: Uint8Array
}

export interface GenerateOptions {
  /** The name the documents give the scanned image (the image name); without it syft names a temp dir. */
  sourceName?: string
  /** Where the views and syft's unpacked layers go; removed afterwards. The OS temp dir by default. */
  tempDir?: string
  /** The environment prepareScanner looked for syft in (PATH), merged over the process's. */
  env?: Record<string, string | undefined>
  run?: typeof execCommand
  signal?: AbortSignal
}

/**
 * One SBOM per platform image of the OCI layout at `layoutDir`, in `images`' order. Each image is
 * scanned on its own (a view of the layout holding only its manifest), so a multi-platform layout
 * yields documents of each platform's own files and packages.
 */
export async function generateSboms(
  layoutDir: string,
  images: readonly SbomImage[],
  logger: Logger,
  scanner: SbomScanner,
  options: GenerateOptions = {}
): Promise<PlatformSbom[]> {
  const work = await mkdtemp(join(options.tempDir ?? tmpdir(), 'publish-image-sbom-'))
  try {
    const sboms: PlatformSbom[] = []
    for (const image of images) sboms.push(await scanImage(layoutDir, image, logger, scanner, work, options))
    return sboms
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

async function scanImage(
  layoutDir: string,
  image: SbomImage,
  logger: Logger,
  scanner: SbomScanner,
  work: string,
  options: GenerateOptions
): Promise<PlatformSbom> {
  const platform = formatPlatform(image.platform)
  const view = await singleManifestView(layoutDir, { ...image.manifest, platform: image.platform }, work)
  const out = join(view, `sbom.${scanner.format}.json`)
  logger.info(`sbom: scanning ${platform} (${image.manifest.digest}) with syft ${scanner.version}`)
  await (options.run ?? execCommand)(scanner.path, syftArgs(view, out, scanner, options.sourceName), {
    env: { ...options.env, ...SYFT_ENV, TMPDIR: work },
    signal: options.signal
  })
  const document = await readFile(out)
  const predicateType = sbomPredicateType(scanner.format, parseDocument(document, platform))
  return { platform, manifestDigest: image.manifest.digest, predicateType, document }
}

/** `syft scan oci-dir:VIEW -o FORMAT=OUT`, quiet, naming the source when a name is given. */
export function syftArgs(view: string, out: string, scanner: SbomScanner, sourceName?: string): string[] {
  const name = sourceName ? ['--source-name', sourceName] : []
  return ['scan', `oci-dir:${view}`, '-o', `${scanner.format}=${out}`, '--quiet', ...name]
}

function parseDocument(document: Buffer, platform: string): unknown {
  try {
    return JSON.parse(document.toString('utf8'))
  } catch (cause) {
    throw new Error(`syft wrote no JSON document for ${platform}`, { cause })
  }
}
