/** An environment variable with a value the action cannot use. */
export class EnvVarError extends Error {
  constructor(
    readonly variable: string,
    message: string
  ) {
    super(`environment variable ${variable}: ${message}`)
    this.name = 'EnvVarError'
  }
}

/**
 * The build time: SOURCE_DATE_EPOCH (seconds since the epoch) when set, as reproducible builds expect,
 * else `now` (injectable), else the current time.
 */
export function buildTime(env: NodeJS.ProcessEnv, now?: Date): Date {
  const epoch = sourceDateEpoch(env)
  return epoch ?? now ?? new Date()
}

export function sourceDateEpoch(env: NodeJS.ProcessEnv): Date | undefined {
  const raw = env.SOURCE_DATE_EPOCH?.trim()
  if (raw === undefined || raw === '') return undefined
  if (!/^\d+$/.test(raw)) {
    throw new EnvVarError('SOURCE_DATE_EPOCH', `expected whole seconds since 1970-01-01 UTC, got '${raw}'`)
  }
  return new Date(Number(raw) * 1000)
}
