import { writeFile } from 'node:fs/promises'
import type { Runtime } from './types.js'
import { redactSecrets, secretPieces } from '../secrets.js'

export interface TerminalOptions {
  /** Where progress goes (stderr). */
  progress: (text: string) => void
  /** Where the result goes (stdout). */
  result: (text: string) => void
  /** Show debug messages. */
  verbose: boolean
  /** Write the Markdown summary there; undefined writes none. */
  summaryFile?: string
}

/** The terminal's extras: what the runner would keep in files, kept in memory, and the masked stdout. */
export interface TerminalRuntime extends Runtime {
  readonly outputs: Record<string, string>
  readonly state: Record<string, string>
  /** Writes the result to stdout, secrets masked. */
  print(text: string): void
  /** The text with every secret replaced by ***. */
  mask(text: string): string
}

/** A Runtime for a terminal (the CLI): progress on stderr, groups as headers, secrets masked everywhere. */
export function terminalRuntime(opts: TerminalOptions): TerminalRuntime {
  const secrets: string[] = []
  const outputs: Record<string, string> = {}
  const state: Record<string, string> = {}
  const mask = (text: string) => redactSecrets(text, secrets)
  const say = (text: string) => opts.progress(`${mask(text)}\n`)
  let summaryStarted = false
  return {
    outputs,
    state,
    mask,
    print: text => opts.result(mask(text)),
    info: message => say(message),
    warning: message => say(`warning: ${message}`),
    debug: message => {
      if (opts.verbose) say(`debug: ${message}`)
    },
    group: (name, fn) => {
      say(`==> ${name}`)
      return fn()
    },
    setOutput: (name, value) => {
      outputs[name] = value
    },
    setSecret: value => addSecret(secrets, value),
    saveState: (name, value) => {
      state[name] = value
    },
    writeSummary: async markdown => {
      if (!opts.summaryFile) return
      // The file holds this run's summary: truncated by the first write, appended to afterwards.
      await writeFile(opts.summaryFile, mask(markdown), { flag: summaryStarted ? 'a' : 'w' })
      summaryStarted = true
    }
  }
}

function addSecret(secrets: string[], value: string): void {
  for (const piece of secretPieces(value)) if (!secrets.includes(piece)) secrets.push(piece)
}
