/** What the cleanup stage takes and reports. */

import type { Logger } from '../registry/index.js'

export type { CleanupMode } from '../inputs/types.js'

/** Deletes one manifest by digest, through the registry API or GitHub's Packages API. */
export interface ManifestDeleter {
  /** For the log: `registry API`, `GitHub Packages API`. */
  readonly via: string
  /** 'gone': not there any more. `skipped`: kept, with the reason (e.g. too many downloads). */
  delete(digest: string): Promise<'deleted' | 'gone' | { skipped: string }>
}

export type CleanupLogger = Pick<Logger, 'info' | 'warning'>

/** What the cleanup of one image did. */
export interface CleanupResult {
  image: string
  dryRun: boolean
  /** Deleted, in order (dry run: would be deleted). */
  deleted: string[]
  /** Not deleted on purpose, with why. */
  skipped: { digest: string; reason: string }[]
  /** Why the cleanup stopped early, if it did (a warning: the publish succeeded). */
  failure?: string
}
