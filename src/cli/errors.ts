/** A command line that cannot work: an unknown flag, a bad value. The CLI exits with 2. */
export class UsageError extends Error {
  constructor(
    readonly flag: string,
    message: string
  ) {
    super(`${flag}: ${message}`)
    this.name = 'UsageError'
  }
}

/** Exit codes: 0 done, 1 the run failed, 2 the command line is wrong. */
export const EXIT_OK = 0
export const EXIT_FAILED = 1
export const EXIT_USAGE = 2
/** Stopped by Ctrl-C or SIGTERM, as a shell reports SIGINT. */
export const EXIT_INTERRUPTED = 130
