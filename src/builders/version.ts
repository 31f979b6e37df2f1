/** The first `x.y[.z]` in a tool's version output, e.g. `Docker version 28.2.2, build e6534b4` → `28.2.2`. */
export function extractVersion(output: string): string | undefined {
  return /(\d+)\.(\d+)(?:\.(\d+))?/.exec(output)?.[0]
}

/** True when `version` is at least `minimum`; an unknown version counts as new. */
export function versionAtLeast(version: string, minimum: string): boolean {
  const have = toNumbers(version)
  if (have === undefined) return true
  const want = minimum.split('.').map(Number)
  for (let i = 0; i < want.length; i++) {
    const a = have[i] ?? 0
    const b = want[i] ?? 0
    if (a !== b) return a > b
  }
  return true
}

function toNumbers(version: string): number[] | undefined {
  const found = extractVersion(version)
  return found?.split('.').map(Number)
}
