/** Masking secrets in what is shown: the runtime's log, command lines, a builder's output. */

/** Replaces every secret in `text` with ***, longest first so that a secret containing another is masked whole. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  return [...secrets]
    .filter(s => s.length > 0)
    .sort((a, b) => b.length - a.length)
    .reduce((acc, s) => acc.split(s).join('***'), text)
}

/** What to mask for a secret value: the value, trimmed, and each of its lines (a file, a PEM key). */
export function secretPieces(value: string): string[] {
  const pieces = [value, value.trim(), ...value.split(/\r?\n/).map(line => line.trim())]
  return [...new Set(pieces.filter(p => p.length > 0))]
}
