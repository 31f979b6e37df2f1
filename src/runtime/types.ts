import type { Logger } from '../registry/index.js'

/**
 * Where the pipeline reports to: the GitHub Actions runner (workflow commands, output files) or a
 * terminal (the CLI). Everything outside src/runtime and the entry points talks to this, not to
 * @actions/core.
 */
export interface Runtime extends Logger {
  group: <T>(name: string, fn: () => Promise<T>) => Promise<T>
  setOutput: (name: string, value: string) => void
  /** Masks a secret in everything logged from now on. */
  setSecret: (value: string) => void
  /** Keeps a value for the post step. */
  saveState: (name: string, value: string) => void
  /** Appends Markdown to the job summary, where there is one. */
  writeSummary: (markdown: string) => Promise<void>
}
