import { parseDigestLines, type DigestLine } from '../publish/digests.js'
import type { BuildxRelease } from '../builders/buildx/install.js'
import { normalizeBuildxVersion, normalizeDownloadUrl } from '../builders/buildx/release.js'
import { InputError } from './errors.js'
import type { Inputs } from './types.js'
import type { SbomRequest } from './sbom.js'
import { normalizeSyftDownloadUrl } from '../sbom/release.js'
import { errorMessage } from '../errors.js'

/** Which run this is; the combinations that cannot work fail here, naming the inputs. */
export function runKind(inputs: Inputs): 'build' | 'merge' {
  if (inputs.pushByDigest && inputs.merge) {
    throw new InputError(
      'merge',
      'merge: true and push-by-digest: true exclude each other: the legs push by digest, then one job merges their digests'
    )
  }
  if (inputs.digests.length > 0 && !inputs.merge) {
    throw new InputError(
      'digests',
      'digests are only read with merge: true; set merge: true or leave digests empty'
    )
  }
  return inputs.merge ? 'merge' : 'build'
}

export function validateRegistry(registry: string): void {
  if (!registry || /[/\s]|^[a-z]+:/i.test(registry)) {
    throw new InputError(
      'registry',
      `'${registry}' is not a registry host; use a host[:port] such as ghcr.io`
    )
  }
}

/**
 * The lines a merge merges. A merge that pushes nothing (a pull request's legs pushed nothing either)
 * reads none, unless it is a dry run: that one checks them.
 */
export function mergeDigestLines(inputs: Inputs, push: boolean): DigestLine[] {
  if (!push && !inputs.dryRun) return []
  const digests = parseDigestLines(inputs.digests)
  if (digests.length === 0 && !inputs.dryRun) {
    throw new InputError('digests', 'merge: true needs the digests the legs pushed, one sha256:… per line')
  }
  return digests
}

/** The build inputs set to something a merge does not use (it builds nothing). */
export function ignoredByMerge(inputs: Inputs): string[] {
  const set: [string, boolean][] = [
    ['platforms', inputs.platforms.length > 0],
    ['file', inputs.file !== ''],
    ['build-args', inputs.buildArgs.length > 0],
    ['secrets', inputs.secrets.length > 0],
    ['target', inputs.target !== ''],
    ['cache-from', inputs.cacheFrom.length > 0],
    ['cache-to', inputs.cacheTo.length > 0],
    // The legs attach each platform's SBOM to their platform manifests, which the merged index lists.
    ['sbom', inputs.sbom !== undefined]
  ]
  const names = set.filter(([, isSet]) => isSet).map(([name]) => name)
  if (names.length === 0) return []
  return [`merge: true builds nothing, so ${names.join(', ')} ${names.length > 1 ? 'are' : 'is'} ignored`]
}

/** A push with every image disabled would report a digest for an image that is nowhere. */
export function requireAnImage(images: string[], push: boolean): void {
  if (!push || images.length > 0) return
  throw new InputError(
    'images',
    'every image is disabled (enable=false), so there is nowhere to push; enable one or set push: false to build only'
  )
}

export function decidePush(
  inputs: Pick<Inputs, 'push'>,
  context: { eventName: string }
): { push: boolean; reason: string } {
  if (inputs.push === 'true') return { push: true, reason: 'push: true' }
  if (inputs.push === 'false') return { push: false, reason: 'push: false' }
  if (context.eventName === 'pull_request') {
    return { push: false, reason: 'push: auto builds only for pull_request events' }
  }
  return { push: true, reason: `push: auto pushes for ${context.eventName || 'this'} event` }
}

/** Cleanup follows moved tags: a run that pushes nothing, or pushes by digest only, moves none. */
export function validateCleanup(inputs: Pick<Inputs, 'cleanup' | 'push' | 'pushByDigest'>): void {
  if (inputs.cleanup === 'false') return
  if (inputs.push === 'false') {
    throw new InputError(
      'cleanup',
      `cleanup: ${inputs.cleanup} deletes what moved tags left behind, but push: false moves no tag; set cleanup: false or push: true`
    )
  }
  if (inputs.pushByDigest) {
    throw new InputError(
      'cleanup',
      `cleanup: ${inputs.cleanup} does not apply to a leg (push-by-digest: true moves no tag); set it on the merge job`
    )
  }
}

/** `buildx-version` and `buildx-download-url` as the release to install when buildx is missing or too old. */
export function buildxRelease(inputs: Pick<Inputs, 'buildxVersion' | 'buildxDownloadUrl'>): BuildxRelease {
  return {
    version: asInputError('buildx-version', () => normalizeBuildxVersion(inputs.buildxVersion)),
    downloadUrl: asInputError('buildx-download-url', () => normalizeDownloadUrl(inputs.buildxDownloadUrl))
  }
}

/** `sbom` switched on, with where syft is installed from when none is on PATH (see prepareScanner). */
export function sbomOptions(
  inputs: Pick<Inputs, 'sbom' | 'syftDownloadUrl'>
): { request: SbomRequest; downloadUrl: string } | undefined {
  if (!inputs.sbom) return undefined
  const downloadUrl = asInputError('syft-download-url', () =>
    normalizeSyftDownloadUrl(inputs.syftDownloadUrl ?? '')
  )
  return { request: inputs.sbom, downloadUrl }
}

function asInputError<T>(input: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    throw new InputError(input, errorMessage(err), { cause: err })
  }
}
