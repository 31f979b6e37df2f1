import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { dockerConfigDir } from '../../registry/index.js'
import type { Env } from '../types.js'

export interface KnownBuilder {
  name: string
  driver: string
}

/**
 * The builder BUILDX_BUILDER names (docker/setup-buildx-action sets it), read from buildx's own store
 * (`$BUILDX_CONFIG` or `$DOCKER_CONFIG/buildx`, `instances/<name>`) instead of a `docker buildx inspect`, which costs a docker
 * CLI and plugin start before the build can begin. Undefined whenever the answer is not plain: no
 * BUILDX_BUILDER, a name that is a docker context rather than a builder, a file that does not read as
 * that builder; the caller then asks `docker buildx inspect`.
 */
export async function namedBuilderFromStore(env: Env): Promise<KnownBuilder | undefined> {
  const all = { ...process.env, ...env }
  const name = all.BUILDX_BUILDER?.trim()
  if (!name || !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) return undefined
  // buildx keeps its store in BUILDX_CONFIG when that is set, else in DOCKER_CONFIG's buildx/.
  const store = all.BUILDX_CONFIG || join(dockerConfigDir(all), 'buildx')
  const text = await readFile(join(store, 'instances', name), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    const stored: unknown = JSON.parse(text)
    if (typeof stored !== 'object' || stored === null) return undefined
    const { Name, Driver } = stored as { Name?: unknown; Driver?: unknown }
    return Name === name && typeof Driver === 'string' && Driver ? { name, driver: Driver } : undefined
  } catch {
    return undefined
  }
}
