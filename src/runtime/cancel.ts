/** How long a cancelled run may take to stop: the runner sends SIGTERM ~7.5 s after SIGINT, then kills. */
const STOP_WITHIN_MS = 4500

/**
 * One AbortSignal for the whole run, fired by the first SIGINT or SIGTERM (a cancelled GitHub job, or
 * Ctrl-C). Handling the signal keeps Node from exiting at once: the run stops starting work, puts back
 * the tags it moved, removes what it created, and fails. If that takes too long, the process exits
 * anyway with the signal's exit code.
 */
export function cancelOnSignals(announce: (signal: NodeJS.Signals) => void): AbortSignal {
  const controller = new AbortController()
  for (const [name, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143]
  ] as const) {
    process.on(name, () => {
      if (controller.signal.aborted) return
      announce(name)
      controller.abort(new Error(`cancelled by ${name}`))
      setTimeout(() => process.exit(code), STOP_WITHIN_MS).unref()
    })
  }
  return controller.signal
}

/** How long a finished run's process may stay up for what it abandoned. */
const EXIT_AFTER_RUN_MS = 1000

/**
 * Ends the process soon after the run is over, even when something the run abandoned still holds it:
 * a run stopped while signing leaves @sigstore/sign's requests (they take no AbortSignal) to their own
 * timeouts and retries, minutes later. Unref'd: a process with nothing left exits at once, as before;
 * `process.exitCode` stands.
 */
export function exitAfterRun(): void {
  setTimeout(() => process.exit(), EXIT_AFTER_RUN_MS).unref()
}
