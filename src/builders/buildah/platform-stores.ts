import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { errorMessage } from '../../errors.js'
import type { Env, Logger, Runner } from '../types.js'

/**
 * Where each platform of a multi-platform build keeps its containers storage. The first platform uses
 * the caller's storage (its pulled bases and layer cache); every other one a store of its own under the
 * build's work dir, so all can build at once: builds sharing one storage race on the name of a
 * multi-platform base tag ("locating pulled image … image not known", or a build on the other
 * architecture's base). A platform's own base is pulled once either way; only the caller's warm cache
 * is not shared with the extra stores.
 */
export interface PlatformStore {
  /** buildah's global flags that select the store; [] for the caller's storage. */
  flags: string[]
  /** The directory to remove after the build, if any. */
  dir?: string
}

export function platformStores(count: number, workDir: string): PlatformStore[] {
  return Array.from({ length: count }, (_, i) => {
    if (i === 0) return { flags: [] }
    const dir = join(workDir, `store-${i}`)
    return { flags: ['--root', join(dir, 'root'), '--runroot', join(dir, 'run')], dir }
  })
}

/**
 * Removes an extra store: `rmi --all` first, because a rootless store holds files owned by mapped uids
 * the runner's user cannot delete directly. A failure is a warning: the build itself succeeded.
 */
export async function removePlatformStore(
  store: PlatformStore,
  run: Runner,
  env: Env,
  logger: Logger
): Promise<void> {
  if (!store.dir) return
  // Nothing to remove when the build failed before its store was made; the rm below still runs.
  await run('buildah', [...store.flags, 'rmi', '--all', '--force'], { env }).catch(() => undefined)
  try {
    await rm(store.dir, { recursive: true, force: true })
  } catch (err) {
    logger.warning(`could not remove the temporary containers storage ${store.dir}: ${errorMessage(err)}`)
  }
}

/**
 * Runs the platform builds, at most `limit` at once. The first failure stops the others (through the
 * signal each task gets) and is what is thrown, once every build has ended.
 */
export async function buildConcurrently(
  tasks: ((signal: AbortSignal) => Promise<unknown>)[],
  limit: number,
  signal?: AbortSignal
): Promise<void> {
  const stop = new AbortController()
  const taskSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal
  const failures: unknown[] = []
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tasks.length && !taskSignal.aborted) {
      const task = tasks[next++]
      try {
        await task?.(taskSignal)
      } catch (err) {
        failures.push(err)
        stop.abort()
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  if (failures.length > 0) throw failures[0]
  signal?.throwIfAborted()
}
