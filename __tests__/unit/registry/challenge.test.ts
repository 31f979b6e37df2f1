import { describe, expect, it } from '@jest/globals'
import { challengeScopes, parseChallenges, pickChallenge } from '../../../src/registry/auth/challenge.js'

describe('parseChallenges (RFC 7235)', () => {
  it('reads a ghcr.io Bearer challenge with quoted commas', () => {
    const [c] = parseChallenges(
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:acme/app:pull,push"'
    )
    expect(c).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:acme/app:pull,push' }
    })
  })

  it('handles several challenges in one header, case-insensitive schemes and names, spaces and escapes', () => {
    const header =
      'Negotiate, BASIC Realm="a \\"quoted\\" realm, really" , bEaReR realm=https://auth.example/token,  error="insufficient_scope"'
    const challenges = parseChallenges(header)
    expect(challenges.map(c => c.scheme)).toEqual(['negotiate', 'basic', 'bearer'])
    expect(challenges[1]!.params).toEqual({ realm: 'a "quoted" realm, really' })
    expect(challenges[2]!.params).toEqual({
      realm: 'https://auth.example/token',
      error: 'insufficient_scope'
    })
    expect(pickChallenge(challenges)?.scheme).toBe('bearer')
  })

  it('reads repeated headers and token68 forms', () => {
    const challenges = parseChallenges(['Negotiate abc123==', 'Basic realm="registry"'])
    expect(challenges[0]).toEqual({ scheme: 'negotiate', params: {}, token68: 'abc123==' })
    expect(pickChallenge(challenges)).toEqual({ scheme: 'basic', params: { realm: 'registry' } })
  })

  it('splits space-separated scopes', () => {
    const [c] = parseChallenges('Bearer realm="r",scope="repository:a:pull,push repository:b:pull"')
    expect(challengeScopes(c)).toEqual(['repository:a:pull,push', 'repository:b:pull'])
  })

  it('ignores garbage without throwing', () => {
    expect(parseChallenges('=,,, "x"')).toEqual([])
    expect(parseChallenges(undefined)).toEqual([])
    expect(pickChallenge(parseChallenges('Digest realm="x"'))).toBeUndefined()
  })
})
