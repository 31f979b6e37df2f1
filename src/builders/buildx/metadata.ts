import { readFile } from 'node:fs/promises'
import { readLayoutIndex } from '../layout/normalize.js'

/** What `docker buildx build --metadata-file` records that this action uses. */
export interface BuildxMetadata {
  /** `builder/node/ref`: `docker buildx history inspect <ref>` shows the build. */
  buildRef?: string
  /** The digest of what the exporter wrote: the image manifest, or the index of several platforms. */
  digest?: string
}

/** Parses the metadata file's JSON; unknown keys are ignored, a non-object is an error. */
export function parseBuildxMetadata(text: string): BuildxMetadata {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw new Error('buildx wrote a metadata file that is not JSON', { cause })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error('buildx wrote a metadata file that is not a JSON object')
  const record = json as Record<string, unknown>
  const stringAt = (key: string): string | undefined => {
    const value = record[key]
    return typeof value === 'string' ? value : undefined
  }
  const meta: BuildxMetadata = {}
  const buildRef = stringAt('buildx.build.ref')
  const digest = stringAt('containerimage.digest')
  if (buildRef) meta.buildRef = buildRef
  if (digest) meta.digest = digest
  return meta
}

export async function readBuildxMetadata(file: string): Promise<BuildxMetadata> {
  return parseBuildxMetadata(await readFile(file, 'utf8'))
}

/**
 * Checks the OCI export is the image buildx says it built: the layout's top descriptor has the digest
 * the metadata file names. A mismatch means the tarball is not this build's (or was cut short).
 */
export async function checkExportMatchesMetadata(layoutDir: string, meta: BuildxMetadata): Promise<void> {
  if (!meta.digest) return
  const top = (await readLayoutIndex(layoutDir)).map(d => d.digest)
  if (!top.includes(meta.digest)) {
    throw new Error(
      `buildx reported building ${meta.digest} but its OCI export holds ${top.join(', ') || 'nothing'}; ` +
        'run the build again, and check the builder with `docker buildx inspect`'
    )
  }
}
