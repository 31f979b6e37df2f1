/**
 * The push-access check (preflight) and the build run side by side: the check costs round trips (a
 * TLS handshake, a token, an upload started and cancelled) that need not wait for the build, nor the
 * build for them (the action starts it once the build command has started: see main.ts). Nothing is
 * pushed before the check passed, and a failed check stops the build and is what the step fails with,
 * as if it had run first.
 */
import type { RegistryClient } from './registry/index.js'

/** Checks push access to every image at once; the first failure, in the images' order, is thrown. */
export async function checkPushAccess(client: RegistryClient, images: string[]): Promise<void> {
  const results = await Promise.allSettled(images.map(image => client.repository(image).checkPushAccess()))
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
}

/**
 * Runs `work` while `check` is in flight. A failing check aborts the signal `work` was given, waits for
 * `work` to stop, hands a result it still produced to `discard`, and throws the check's error; a failing
 * `work` (check passed) throws its own. Resolves with `work`'s result only once the check passed.
 */
export async function whileChecking<T>(
  check: Promise<void>,
  signal: AbortSignal,
  work: (signal: AbortSignal) => Promise<T>,
  discard: (result: T) => Promise<void> = async () => {}
): Promise<T> {
  const stop = new AbortController()
  const checked = check.catch((error: unknown) => {
    stop.abort(error)
    throw error
  })
  const working = (async () => work(AbortSignal.any([signal, stop.signal])))()
  const [access, result] = await Promise.allSettled([checked, working])
  if (access.status === 'rejected') {
    if (result.status === 'fulfilled') await discard(result.value).catch(() => {})
    throw access.reason
  }
  if (result.status === 'rejected') throw result.reason
  return result.value
}

/** A promise that resolves the first time `mark` is called, and when that was. */
export function buildStartSignal(): { promise: Promise<void>; mark: () => void; at: () => number } {
  let resolveStart = (): void => {}
  const promise = new Promise<void>(resolve => (resolveStart = resolve))
  let at = 0
  const mark = (): void => {
    at ||= Date.now()
    resolveStart()
  }
  return { promise, mark, at: () => at }
}

/**
 * How long a build command runs before a failed access check stops it. buildah killed in its first
 * moments (before it handles signals: ~100 ms when the machine is idle, over 500 ms on two busy cores,
 * where 500 left its working container twice) leaves its working container in the caller's storage;
 * stopped later, it removes it. Only a failed check waits for it.
 */
const STOP_BUILD_AFTER_MS = 1500

/** `check`, whose failure is held until the build started at `startedAt` has run STOP_BUILD_AFTER_MS. */
export async function stopsNoEarlierThan(startedAt: number, check: Promise<void>): Promise<void> {
  try {
    await check
  } catch (err) {
    const wait = startedAt + STOP_BUILD_AFTER_MS - Date.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    throw err
  }
}
