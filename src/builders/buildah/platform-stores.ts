import { rm } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { errorMessage } from '../../errors.js'
import type { Env, Logger, Runner } from '../types.js'

/**
 * Where each platform of a multi-platform build keeps its containers storage: a store of its own under
 * the build's work dir, so all can build at once. Builds that write one storage race on the name of a
 * multi-platform base tag ("locating pulled image … image not known", or a build on the other
 * architecture's base), and so does a build that only reads a storage another build is pulling into:
 * no build writes the caller's storage. Each store sees the caller's images read-only
 * (`<driver>.imagestore`), so a base pulled, built or tagged earlier is found there; what a build pulls
 * stays in its own store.
 */
export interface PlatformStore {
  /** buildah's global flags that select the store; [] for the caller's storage. */
  flags: string[]
  /** The same store without the caller's images: for removing what is its own. */
  ownFlags: string[]
  /** The directory to remove after the build, if any. */
  dir?: string
}

/** The caller's containers storage, as `buildah info` describes it. */
export interface CallerStore {
  driver: string
  /** The driver options of storage.conf: any --storage-opt replaces them all, so they are passed again. */
  options: string[]
  root: string
}

/** `buildah info`'s store; undefined when it does not say (the platforms then share the caller's). */
export async function callerStore(run: Runner, env: Env): Promise<CallerStore | undefined> {
  try {
    const info: unknown = JSON.parse((await run('buildah', ['info'], { env })).stdout)
    const store = (info as { store?: Record<string, unknown> } | null)?.store
    const { GraphDriverName: driver, GraphRoot: root, GraphOptions: options } = store ?? {}
    if (typeof driver !== 'string' || !driver || typeof root !== 'string' || !root) return undefined
    const opts = Array.isArray(options) ? options : []
    if (!opts.every(o => typeof o === 'string')) return undefined
    return { driver, root, options: opts }
  } catch {
    return undefined
  }
}

/** Drivers whose `<driver>.imagestore` option adds a read-only image store (overlay, old and new; vfs). */
const IMAGE_STORE_DRIVERS = ['overlay', 'vfs']

/**
 * Why the platforms cannot build in stores of their own that see the caller's images, or undefined when
 * they can: another driver has no image-store option, and buildah splits --storage-opt values at commas
 * (`overlay.mountopt=nodev,metacopy=on` would arrive in two pieces).
 */
export function whyNoExtraStores(caller: CallerStore): string | undefined {
  if (!IMAGE_STORE_DRIVERS.includes(caller.driver))
    return `the '${caller.driver}' storage driver cannot share its images read-only`
  const split = caller.options.find(o => o.includes(','))
  return split ? `the storage option '${split}' cannot be passed on buildah's command line` : undefined
}

export function platformStores(count: number, workDir: string, caller: CallerStore): PlatformStore[] {
  return Array.from({ length: count }, (_, i) => {
    const dir = join(workDir, `store-${i}`)
    const ownFlags = [
      ...['--root', join(dir, 'root'), '--runroot', join(dir, 'run'), '--storage-driver', caller.driver],
      ...caller.options.flatMap(o => ['--storage-opt', o])
    ]
    return {
      flags: [...ownFlags, '--storage-opt', `${caller.driver}.imagestore=${caller.root}`],
      ownFlags,
      dir
    }
  })
}

/** Concurrent builds, at most this many (a machine with one core still overlaps one's I/O with the other's CPU). */
const BUILDS_AT_ONCE = Math.max(2, availableParallelism())

export interface StorePlan {
  stores: PlatformStore[]
  atOnce: number
}

/** A store per platform, all building at once; or one after another in the caller's storage when that cannot be. */
export async function planStores(
  run: Runner,
  env: Env,
  logger: Logger,
  count: number,
  workDir: string
): Promise<StorePlan> {
  const shared = { stores: Array.from({ length: count }, () => ({ flags: [], ownFlags: [] })), atOnce: 1 }
  if (count <= 1) return shared
  const caller = await callerStore(run, env)
  const why = caller ? whyNoExtraStores(caller) : '`buildah info` did not describe the containers storage'
  if (caller && !why) return { stores: platformStores(count, workDir, caller), atOnce: BUILDS_AT_ONCE }
  logger.info(`buildah: building the platforms one after another (${why})`)
  return shared
}

/**
 * Removes an extra store: its containers and images first, because a rootless store holds files owned
 * by mapped uids the runner's user cannot delete directly; then the dir, through `buildah unshare` when
 * a plain rm is refused. A failure is a warning: the build itself succeeded.
 */
export async function removePlatformStore(
  store: PlatformStore,
  run: Runner,
  env: Env,
  logger: Logger
): Promise<void> {
  const dir = store.dir
  if (!dir) return
  for (const args of [
    ['rm', '--all'],
    ['rmi', '--all', '--force']
  ]) {
    // Nothing to remove when the build failed before its store was made; the rm below still runs.
    await run('buildah', [...store.ownFlags, ...args], { env }).catch((err: unknown) =>
      logger.debug(`buildah ${args.join(' ')} in ${dir}: ${errorMessage(err)}`)
    )
  }
  try {
    await rm(dir, { recursive: true, force: true }).catch(() =>
      run('buildah', ['unshare', 'rm', '-rf', dir], { env })
    )
  } catch (err) {
    logger.warning(`could not remove the temporary containers storage ${dir}: ${errorMessage(err)}`)
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
