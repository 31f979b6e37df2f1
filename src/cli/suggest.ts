import { UsageError } from './errors.js'
import { FLAGS } from './flags.js'

/** An unknown flag, with the closest known one when there is one (`--images` → `--image`). */
export function unknownFlagError(flag: string): UsageError {
  const name = flag.replace(/^-+/, '').replace(/=.*$/, '')
  const best = FLAGS.map(f => ({ name: f.name, distance: editDistance(name, f.name) }))
    .filter(c => c.distance <= Math.max(1, Math.floor(name.length / 4)))
    .sort((a, b) => a.distance - b.distance)[0]
  const hint = best ? `; did you mean --${best.name}?` : '; see publish-image --help'
  return new UsageError(flag, `unknown flag${hint}`)
}

/** Levenshtein distance, one row at a time. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, substitution))
    }
    previous = row
  }
  return previous[b.length] ?? 0
}
