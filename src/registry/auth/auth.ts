/** What to put in `Authorization` for a registry: nothing, Basic, or a cached Bearer token per scope set. */
import type { Credentials } from '../types.js'
import type { Challenge } from './challenge.js'
import { challengeScopes, pickChallenge } from './challenge.js'
import type { Token, TokenRequest } from './token.js'
import { basicAuthorization, fetchToken } from './token.js'

type Scheme = { kind: 'none' } | { kind: 'basic' } | { kind: 'bearer'; realm: string; service?: string }

export interface AuthenticatorDeps {
  registry: string
  credentials: () => Promise<Credentials | undefined>
  secret: (value: string) => void
  tokenRequest: Pick<TokenRequest, 'transport' | 'loopbackRegistry' | 'deadlineMs' | 'idleTimeoutMs'>
}

// Refresh a token this long before it expires, so it does not expire in flight.
const EXPIRY_MARGIN_MS = 10_000

export class Authenticator {
  private scheme: Scheme = { kind: 'none' }
  private readonly tokens = new Map<string, Promise<Token>>()

  constructor(private readonly deps: AuthenticatorDeps) {}

  /** Adopts the challenge of a `/v2/` ping (or of a later 401). */
  useChallenges(challenges: Challenge[]): void {
    const picked = pickChallenge(challenges)
    if (picked?.scheme === 'bearer' && picked.params.realm) {
      this.scheme = { kind: 'bearer', realm: picked.params.realm, service: picked.params.service }
    } else if (picked?.scheme === 'basic') {
      this.scheme = { kind: 'basic' }
    }
  }

  async isAnonymous(): Promise<boolean> {
    const c = await this.deps.credentials()
    return !c || !(c.username || c.identityToken || c.registryToken)
  }

  /** The Authorization header for a request needing these scopes (push scope first), if any. */
  async header(scopes: string[]): Promise<string | undefined> {
    const creds = await this.deps.credentials()
    if (creds?.registryToken) {
      this.deps.secret(creds.registryToken)
      return `Bearer ${creds.registryToken}`
    }
    if (this.scheme.kind === 'basic') return basicAuthorization(creds, this.deps.secret)
    if (this.scheme.kind === 'bearer') return `Bearer ${(await this.token(this.scheme, scopes)).value}`
    return undefined
  }

  /**
   * After a 401: learns the challenge, drops the cached token and says whether one more try can help
   * (a fresh or wider-scoped token can; the same Basic credentials cannot).
   */
  async unauthorized(
    challenges: Challenge[],
    scopes: string[],
    sentHeader: string | undefined
  ): Promise<boolean> {
    const before = this.scheme.kind
    this.useChallenges(challenges)
    if (this.scheme.kind === 'bearer') {
      const wanted = union(scopes, challengeScopes(pickChallenge(challenges)))
      await this.refetch(tokenKey(this.scheme, scopes), this.scheme, wanted)
      return true
    }
    if (this.scheme.kind === 'basic') return before !== 'basic' || sentHeader === undefined
    return false
  }

  private token(scheme: Extract<Scheme, { kind: 'bearer' }>, scopes: string[]): Promise<Token> {
    const key = tokenKey(scheme, scopes)
    const cached = this.tokens.get(key)
    if (cached) {
      return cached.then(t =>
        t.expiresAt - EXPIRY_MARGIN_MS > Date.now() ? t : this.refetch(key, scheme, scopes)
      )
    }
    return this.refetch(key, scheme, scopes)
  }

  /** Fetches a token for `scopes` and caches it under `key` (the scopes asked for, maybe fewer). */
  private refetch(
    key: string,
    scheme: Extract<Scheme, { kind: 'bearer' }>,
    scopes: string[]
  ): Promise<Token> {
    const pending = this.fetch(scheme, scopes)
    this.tokens.set(key, pending)
    pending.catch(() => this.tokens.get(key) === pending && this.tokens.delete(key))
    return pending
  }

  private async fetch(scheme: Extract<Scheme, { kind: 'bearer' }>, scopes: string[]): Promise<Token> {
    return fetchToken({
      ...this.deps.tokenRequest,
      realm: scheme.realm,
      service: scheme.service,
      scopes,
      credentials: await this.deps.credentials(),
      registry: this.deps.registry,
      secret: this.deps.secret
    })
  }
}

function tokenKey(scheme: Extract<Scheme, { kind: 'bearer' }>, scopes: string[]): string {
  return JSON.stringify([scheme.realm, scheme.service ?? '', [...scopes].sort()])
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])]
}

/** `repository:<path>:pull,push` (or `:pull`). */
export function repositoryScope(path: string, push: boolean): string {
  return `repository:${path}:${push ? 'pull,push' : 'pull'}`
}
