import { InputError } from '../../inputs/errors.js'
import type { BuilderName } from '../../inputs/types.js'

type CacheInput = 'cache-from' | 'cache-to'

/** Splits a buildx-style cache entry (`type=registry,ref=…,mode=max`) into fields; a bare ref is `ref`. */
export function cacheFields(entry: string): Map<string, string> {
  if (!entry.includes('=')) return new Map([['ref', entry]])
  return new Map(
    entry.split(',').map(f => {
      const eq = f.indexOf('=')
      return [f.slice(0, eq < 0 ? f.length : eq).trim(), eq < 0 ? '' : f.slice(eq + 1).trim()]
    })
  )
}

/** The repository buildah's --cache-from/--cache-to wants, from `repo` or `type=registry,ref=repo`. */
export function buildahCacheRepo(entry: string, input: CacheInput): string {
  const fields = cacheFields(entry)
  const type = fields.get('type') ?? 'registry'
  const ref = fields.get('ref')
  if (type !== 'registry' || !ref) {
    throw new InputError(
      input,
      `buildah caches only in a registry repository (e.g. ghcr.io/owner/app-cache); '${type}' caches need builder: buildx`
    )
  }
  return ref
}

/**
 * What each builder can do with `cache-from`/`cache-to`. `dockerBuildKit`: whether the docker builder runs
 * BuildKit through buildx (only that mode reads `type=` cache sources).
 */
export function validateCache(
  cacheFrom: string[],
  cacheTo: string[],
  builder: BuilderName,
  dockerBuildx = false
): void {
  if (builder === 'buildah') {
    if (cacheFrom.length > 1) throw new InputError('cache-from', 'buildah takes one cache repository')
    if (cacheTo.length > 1) throw new InputError('cache-to', 'buildah takes one cache repository')
    cacheFrom.forEach(e => buildahCacheRepo(e, 'cache-from'))
    cacheTo.forEach(e => buildahCacheRepo(e, 'cache-to'))
  }
  if (builder === 'docker') {
    if (cacheTo.length > 0) {
      throw new InputError(
        'cache-to',
        'the docker builder cannot export a build cache; use builder: buildx (type=registry, gha, local…) or buildah (a repository)'
      )
    }
    const typed = cacheFrom.find(e => e.includes('='))
    if (typed !== undefined && !dockerBuildx) {
      throw new InputError(
        'cache-from',
        `'${typed}': this docker client builds without buildx and takes only image references; use builder: buildx for typed caches`
      )
    }
  }
}
