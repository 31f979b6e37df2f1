/** The value at `keys` inside an event payload, or undefined when any step is missing. */
export function valueAt(payload: unknown, ...keys: string[]): unknown {
  let current: unknown = payload
  for (const key of keys) {
    if (current === null || typeof current !== 'object') return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

export function stringAt(payload: unknown, ...keys: string[]): string | undefined {
  const value = valueAt(payload, ...keys)
  return typeof value === 'string' ? value : undefined
}
