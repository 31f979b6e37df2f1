import { readFile } from 'node:fs/promises'

/**
 * The images a Dockerfile's FROM lines name, global ARGs expanded (defaults, then `build-args`, a bare
 * KEY from `env`). Left out: `scratch`, earlier stages, and names that stay unresolved (e.g.
 * `$TARGETARCH`, known only per platform). Pure.
 */
export function dockerfileBaseImages(
  dockerfile: string,
  buildArgs: string[],
  env: Record<string, string | undefined>
): string[] {
  const args = new Map<string, string>()
  const given = buildArgValues(buildArgs, env)
  const stages = new Set<string>()
  const images: string[] = []
  let seenFrom = false
  for (const line of instructions(dockerfile)) {
    const [keyword, ...rest] = line.split(/\s+/)
    const upper = keyword?.toUpperCase()
    if (upper === 'ARG' && !seenFrom) {
      for (const decl of rest) declareArg(decl, args, given)
    } else if (upper === 'FROM') {
      const words = rest.filter(w => !w.startsWith('--'))
      const image = expand(words[0] ?? '', args)
      seenFrom = true
      if (image && !image.includes('$') && image !== 'scratch' && !stages.has(image.toLowerCase())) {
        images.push(image)
      }
      if (words[1]?.toUpperCase() === 'AS' && words[2]) stages.add(words[2].toLowerCase())
    }
  }
  return [...new Set(images)]
}

export async function readDockerfileBaseImages(
  file: string,
  buildArgs: string[],
  env: Record<string, string | undefined>
): Promise<string[]> {
  const text = await readFile(file, 'utf8').catch(() => '')
  return dockerfileBaseImages(text, buildArgs, env)
}

function instructions(dockerfile: string): string[] {
  return dockerfile
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l.length > 0 && !l.startsWith('#'))
}

function buildArgValues(lines: string[], env: Record<string, string | undefined>): Map<string, string> {
  const values = new Map<string, string>()
  for (const line of lines) {
    const eq = line.indexOf('=')
    const key = eq < 0 ? line : line.slice(0, eq)
    const value = eq < 0 ? env[key] : line.slice(eq + 1)
    if (value !== undefined) values.set(key, value)
  }
  return values
}

function declareArg(decl: string, args: Map<string, string>, given: Map<string, string>): void {
  const eq = decl.indexOf('=')
  const name = eq < 0 ? decl : decl.slice(0, eq)
  const fallback = eq < 0 ? undefined : unquote(decl.slice(eq + 1))
  const value = given.get(name) ?? fallback
  if (value !== undefined) args.set(name, value)
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value
}

/** `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME:+alt}`; unknown names are left as written. */
function expand(word: string, args: Map<string, string>): string {
  return word.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([-+])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (all, braced, op, operand, bare) => {
      const name = (braced ?? bare) as string
      const value = args.get(name)
      if (op === '-') return value ? value : (operand as string)
      if (op === '+') return value ? (operand as string) : ''
      return value ?? all
    }
  )
}
