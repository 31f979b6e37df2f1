import { InputError } from '../inputs/errors.js'
import { flagForInput } from './flags.js'

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

/**
 * The usage error a failure amounts to: a UsageError, or an InputError about an input that has a flag
 * (named as the flag). Anything else, a HostError (no builder, no QEMU) included, is a failed run (1).
 */
export function asUsageError(err: unknown): UsageError | undefined {
  if (err instanceof UsageError) return err
  if (!(err instanceof InputError)) return undefined
  const flag = flagForInput(err.input)
  if (!flag) return undefined
  return new UsageError(`--${flag}`, err.detail)
}
