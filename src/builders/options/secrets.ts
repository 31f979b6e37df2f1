import { InputError } from '../../inputs/errors.js'
import type { SecretSpec } from '../types.js'
import { secretPieces } from '../../secrets.js'

const ID = /^[A-Za-z0-9_.-]+$/
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

/**
 * Parses `secrets` lines: `id=ID,src=FILE` or `id=ID,env=VAR` (buildx's `type=file|env` is accepted too).
 * Errors name the line, never echo it: a mistyped line may hold a secret value.
 */
export function parseSecrets(lines: string[]): SecretSpec[] {
  const specs = lines.map((line, i) => ({ line: line.trim(), n: i + 1 })).filter(l => l.line.length > 0)
  const parsed = specs.map(({ line, n }) => parseSecretLine(line, n))
  const seen = new Set<string>()
  for (const spec of parsed) {
    if (seen.has(spec.id)) throw new InputError('secrets', `secret id '${spec.id}' is given more than once`)
    seen.add(spec.id)
  }
  return parsed
}

function parseSecretLine(line: string, n: number): SecretSpec {
  const fields = new Map<string, string>()
  for (const field of line.split(',')) {
    const eq = field.indexOf('=')
    const key = (eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase()
    if (eq < 0 || !['id', 'src', 'source', 'env', 'type'].includes(key)) throw badLine(n)
    fields.set(key === 'source' ? 'src' : key, field.slice(eq + 1).trim())
  }
  const id = fields.get('id')
  const type = fields.get('type')
  let src = fields.get('src')
  let env = fields.get('env')
  if (type !== undefined && type !== 'file' && type !== 'env') throw badLine(n, `unknown type '${type}'`)
  if (type === 'env' && env === undefined) [env, src] = [src, undefined]
  if (!id || !ID.test(id)) throw badLine(n, 'id must be letters, digits, _ . or -')
  if ((src === undefined) === (env === undefined))
    throw badLine(n, `secret '${id}' needs exactly one of src= or env=`)
  if (src !== undefined) {
    if (!src) throw badLine(n, `secret '${id}' has an empty src=`)
    return { id, src }
  }
  if (!env || !ENV_NAME.test(env)) throw badLine(n, `secret '${id}': env= must name an environment variable`)
  return { id, env }
}

function badLine(n: number, why = 'expected id=<id>,src=<file> or id=<id>,env=<VARIABLE>'): InputError {
  return new InputError(
    'secrets',
    `line ${n}: ${why}. Pass secret values through a file or an environment variable, never inline`
  )
}

/** The secret's value from `env` (the request's, then the process's) or its file; undefined when unset. */
export function secretEnvValue(
  spec: SecretSpec,
  env: Record<string, string | undefined> = {}
): string | undefined {
  if (!spec.env) return undefined
  return env[spec.env] ?? process.env[spec.env]
}

/** Every secret value and each of its lines, for redaction. Unreadable files are validation's business. */
export async function secretValues(
  specs: SecretSpec[],
  env: Record<string, string | undefined> = {}
): Promise<string[]> {
  const { readFile } = await import('node:fs/promises')
  const values = await Promise.all(
    specs.map(async spec =>
      spec.src ? await readFile(spec.src, 'utf8').catch(() => '') : secretEnvValue(spec, env)
    )
  )
  const pieces = values.flatMap(v => (v ? secretPieces(v) : [])).filter(p => p.length >= 3)
  return [...new Set(pieces)].sort((a, b) => b.length - a.length)
}
