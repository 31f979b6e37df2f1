import { commonBuildFlags, secretFlags } from '../args.js'
import { buildahCacheRepo } from '../options/cache.js'
import type { BuildRequest } from '../types.js'
import { versionAtLeast } from '../version.js'

/** `buildah build --secret id=…,env=…` arrived in buildah 1.24; older versions read files only. */
export function buildahSupportsEnvSecrets(version: string): boolean {
  return versionAtLeast(version, '1.24')
}

/**
 * `buildah build` that adds every platform's image to the local manifest list `output`. A failing
 * platform fails the whole command, so the list is complete or the build failed. An `output` of
 * `dir:<path>` (one platform) commits the image straight into that directory instead, layers
 * uncompressed (`buildah build` does not compress by default): no image in local storage, no export.
 */
export function buildahBuildArgs(req: BuildRequest, version: string, output: string): string[] {
  const caching = req.cacheFrom.length > 0 || req.cacheTo.length > 0
  return [
    versionAtLeast(version, '1.23') ? 'build' : 'bud',
    '--format',
    'oci',
    ...(output.startsWith('dir:') ? ['--tag', output] : ['--manifest', output]),
    ...commonBuildFlags(req),
    ...(req.platforms.length > 0 ? ['--platform', req.platforms.join(',')] : []),
    ...(req.pull ? ['--pull=always'] : []),
    ...secretFlags(req.secrets, buildahSupportsEnvSecrets(version)),
    ...(caching ? ['--layers'] : []),
    ...req.cacheFrom.flatMap(e => ['--cache-from', buildahCacheRepo(e, 'cache-from')]),
    ...req.cacheTo.flatMap(e => ['--cache-to', buildahCacheRepo(e, 'cache-to')]),
    req.context
  ]
}

/**
 * Writes the manifest list and all its images to a `dir:` directory: layers as the storage holds them,
 * uncompressed (buildah 1.28 has no --disable-compression for `oci:`), so the push compresses each layer
 * once, while it uploads.
 */
export function buildahPushArgs(manifest: string, dir: string): string[] {
  return ['manifest', 'push', '--all', '--format', 'oci', manifest, `dir:${dir}`]
}
