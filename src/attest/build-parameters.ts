/**
 * What mode=max records about the build: the inputs that shaped it. Secrets never: build secrets are
 * named by id only, and a value that is or looks like a secret is withheld (its name stays).
 */

/** The build's inputs as given (lines `NAME=value`), the build secrets' ids, and values known to be secret. */
export interface BuildShape {
  builder: string
  platforms: readonly string[]
  /** The Dockerfile path (empty: `<context>/Dockerfile`). */
  file: string
  context: string
  target: string
  buildArgs: readonly string[]
  labels: readonly string[]
  /** The build secrets' ids (`secrets`, `secret-envs`, `secret-files`): recorded, their values never. */
  secretIds: readonly string[]
  /**
   * Values that must never appear: the build secrets' contents (their files, their variables), the
   * registry password, the GitHub token.
   */
  secretValues: readonly string[]
}

export interface RecordedValue {
  name: string
  /** Absent when withheld. */
  value?: string
  withheld?: true
}

export interface BuildParameters {
  builder: string
  platforms: string[]
  dockerfile: string
  context: string
  target?: string
  buildArgs: RecordedValue[]
  labels: RecordedValue[]
  /** Build secret ids; their values are never recorded. */
  secretIds: string[]
}

/** Names whose values are treated as secrets: NPM_TOKEN, DB_PASSWORD, AWS_SECRET_ACCESS_KEY, API_KEY… */
const SECRET_NAME =
  /(secret|token|passw|pwd|credential|auth|private|api[-_]?key|access[-_]?key|cookie|session|signature|cert)/i
/** Values that look like credentials: GitHub/GitLab/Slack/AWS tokens, JWTs, PEM blocks. */
const SECRET_VALUE =
  /(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_|glpat-|xox[abpr]-|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]+\.eyJ|-----BEGIN )/

export function buildParameters(shape: BuildShape): BuildParameters {
  const known = knownSecretValues(shape)
  const params: BuildParameters = {
    builder: shape.builder,
    platforms: [...shape.platforms],
    dockerfile: withoutUrlCredentials(shape.file || defaultDockerfile(shape.context)),
    context: withoutUrlCredentials(shape.context),
    buildArgs: shape.buildArgs.map(line => recordValue(line, known)),
    labels: shape.labels.map(line => recordValue(line, known)),
    secretIds: [...shape.secretIds]
  }
  if (shape.target) params.target = shape.target
  return params
}

/** The known secret values, each line too (a PEM key, an .npmrc). */
function knownSecretValues(shape: BuildShape): string[] {
  const pieces = shape.secretValues.flatMap(v => [v, ...v.split(/\r?\n/)]).map(v => v.trim())
  return [...new Set(pieces.filter(p => p.length >= 4))]
}

function recordValue(line: string, known: readonly string[]): RecordedValue {
  const name = nameOf(line)
  const value = valueOf(line)
  const secret = SECRET_NAME.test(name) || SECRET_VALUE.test(value) || known.some(k => value.includes(k))
  return secret ? { name, withheld: true } : { name, value: withoutUrlCredentials(value) }
}

/** `https://user:token@host/x` → `https://host/x` (a context or arg that carries credentials). */
export function withoutUrlCredentials(value: string): string {
  return value.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1')
}

function nameOf(line: string): string {
  const eq = line.indexOf('=')
  return (eq < 0 ? line : line.slice(0, eq)).trim()
}

function valueOf(line: string): string {
  const eq = line.indexOf('=')
  return eq < 0 ? '' : line.slice(eq + 1)
}

/** `<context>/Dockerfile` for a local context; a remote context (git, https) has its own `Dockerfile`. */
function defaultDockerfile(context: string): string {
  if (context === '.' || context === '' || /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(context)) return 'Dockerfile'
  return `${context.replace(/\/+$/, '')}/Dockerfile`
}
