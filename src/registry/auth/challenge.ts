/** WWW-Authenticate parsing per RFC 7235: several challenges, quoted strings with commas and escapes. */

export interface Challenge {
  /** Lowercased scheme: `bearer`, `basic`… */
  scheme: string
  /** Parameter names lowercased. */
  params: Record<string, string>
  /** The token68 form (`Negotiate abc==`), if any. */
  token68?: string
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/
const UNQUOTED = /^[^,\s]*/
const TOKEN68 = /^[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*(?=,|$)/

/** Parses one or several header values (Node joins repeated headers into an array). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return []
  const values = Array.isArray(header) ? header : [header]
  return values.flatMap(parseHeaderValue)
}

function parseHeaderValue(value: string): Challenge[] {
  const challenges: Challenge[] = []
  const s = new Scanner(value)
  while (s.skipSeparators()) {
    const scheme = s.token()
    if (!scheme) {
      s.skipPast(',')
      continue
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} }
    challenges.push(challenge)
    const token68 = s.match(TOKEN68)
    if (token68) challenge.token68 = token68
    else parseParams(s, challenge)
  }
  return challenges
}

/** Reads `name=value` pairs until the next challenge (a token not followed by `=`) or the end. */
function parseParams(s: Scanner, challenge: Challenge): void {
  for (;;) {
    const mark = s.pos
    s.skipSeparators()
    const name = s.token()
    s.skipWhitespace()
    if (!name || !s.eat('=')) {
      s.pos = mark
      return
    }
    s.skipWhitespace()
    // Lenient: an unquoted value runs to the next comma (some servers leave URLs unquoted).
    challenge.params[name.toLowerCase()] = s.peek() === '"' ? s.quoted() : (s.match(UNQUOTED, 0) ?? '')
  }
}

class Scanner {
  pos = 0
  constructor(private readonly text: string) {}

  peek(): string | undefined {
    return this.text[this.pos]
  }
  eat(ch: string): boolean {
    if (this.text[this.pos] !== ch) return false
    this.pos++
    return true
  }
  skipWhitespace(): void {
    while (this.pos < this.text.length && /[ \t]/.test(this.text[this.pos]!)) this.pos++
  }
  /** Skips whitespace and commas; false at the end of input. */
  skipSeparators(): boolean {
    while (this.pos < this.text.length && /[ \t,]/.test(this.text[this.pos]!)) this.pos++
    return this.pos < this.text.length
  }
  skipPast(ch: string): void {
    while (this.pos < this.text.length && this.text[this.pos++] !== ch) {
      // skipping
    }
  }
  token(): string | undefined {
    return this.match(TOKEN, 0)
  }
  /** Consumes a regex match at the current position; returns the given group. */
  match(re: RegExp, group = 1): string | undefined {
    const m = re.exec(this.text.slice(this.pos))
    if (!m) return undefined
    this.pos += m[0].length
    return m[group]
  }
  /** A quoted-string: `"` … `"`, backslash escapes any character. */
  quoted(): string {
    let out = ''
    this.pos++ // opening quote
    while (this.pos < this.text.length) {
      const ch = this.text[this.pos++]!
      if (ch === '"') return out
      if (ch === '\\' && this.pos < this.text.length) out += this.text[this.pos++]!
      else out += ch
    }
    return out
  }
}

/** The challenge we can answer: Bearer first, then Basic. */
export function pickChallenge(challenges: Challenge[]): Challenge | undefined {
  return challenges.find(c => c.scheme === 'bearer') ?? challenges.find(c => c.scheme === 'basic')
}

/** The `scope` parameter holds one or several space-separated scopes. */
export function challengeScopes(challenge: Challenge | undefined): string[] {
  return (challenge?.params.scope ?? '').split(' ').filter(Boolean)
}
