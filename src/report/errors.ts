/** The failure message: the error and the chain of causes, each on its own line. */
export function describeError(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const message =
      current instanceof Error
        ? current.message
        : typeof current === 'string'
          ? current
          : JSON.stringify(current)
    if (!parts.some(p => p.includes(message))) parts.push(depth === 0 ? message : `caused by: ${message}`)
    const hint = current instanceof Error ? (current as { hint?: unknown }).hint : undefined
    if (typeof hint === 'string' && hint && !parts.some(p => p.includes(hint))) parts.push(hint)
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.join('\n')
}
