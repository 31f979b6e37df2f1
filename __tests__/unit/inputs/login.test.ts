import { describe, expect, it } from '@jest/globals'
import { isGitHubRegistry, loginSecrets, resolveLogin } from '../../../src/inputs/login.js'

const dotcom = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_ACTOR: 'octocat' }
const ghes = { GITHUB_SERVER_URL: 'https://ghe.example.com', GITHUB_ACTOR: 'mona' }
const defaults = { username: '', password: '', githubToken: 'ghs_workflow' }

describe('isGitHubRegistry', () => {
  it.each([
    ['ghcr.io', dotcom],
    ['GHCR.IO', dotcom],
    ['docker.pkg.github.com', dotcom],
    ['containers.ghe.example.com', ghes],
    ['docker.ghe.example.com', ghes]
  ])('%s is GitHub’s', (registry, env) => expect(isGitHubRegistry(registry, env)).toBe(true))

  it.each([
    ['quay.io', dotcom],
    ['docker.io', dotcom],
    ['127.0.0.1:5000', dotcom],
    ['ghcr.io.evil.example', dotcom],
    ['notghcr.io', dotcom],
    ['evil.ghcr.io', dotcom],
    ['evildocker.pkg.github.com', dotcom],
    ['xcontainers.ghe.example.com', ghes],
    ['containers.github.com', dotcom],
    ['containers.ghe.example.com', dotcom],
    ['containers.ghe.example.com.evil.example', ghes],
    ['ghe.example.com', ghes]
  ])('%s is not', (registry, env) => expect(isGitHubRegistry(registry, env)).toBe(false))
})

describe('resolveLogin', () => {
  it('uses the workflow token as github.actor for ghcr.io', () => {
    expect(resolveLogin({ ...defaults, registry: 'ghcr.io' }, dotcom)).toEqual({
      registry: 'ghcr.io',
      username: 'octocat',
      password: 'ghs_workflow',
      source: 'workflow token'
    })
  })

  it('uses the workflow token for a GHES container registry', () => {
    const login = resolveLogin({ ...defaults, registry: 'containers.ghe.example.com' }, ghes)
    expect(login).toMatchObject({ username: 'mona', password: 'ghs_workflow', source: 'workflow token' })
  })

  it('never sends the workflow token to another registry: the keychain decides', () => {
    for (const registry of ['quay.io', 'docker.io', '127.0.0.1:5000', 'containers.ghe.example.com']) {
      expect(resolveLogin({ ...defaults, registry }, dotcom)).toBeUndefined()
    }
  })

  it('takes an explicit password with its username for any registry', () => {
    const login = resolveLogin(
      { registry: 'quay.io', username: 'robot', password: 'pw', githubToken: 'x' },
      dotcom
    )
    expect(login).toEqual({
      registry: 'quay.io',
      username: 'robot',
      password: 'pw',
      source: 'password input'
    })
  })

  it('lets an explicit password for ghcr.io default its username to the actor', () => {
    const login = resolveLogin({ ...defaults, registry: 'ghcr.io', password: 'ghp_pat' }, dotcom)
    expect(login).toMatchObject({ username: 'octocat', password: 'ghp_pat', source: 'password input' })
  })

  it('refuses a password without a username for a non-GitHub registry, naming the input', () => {
    expect(() => resolveLogin({ ...defaults, registry: 'quay.io', password: 'pw' }, dotcom)).toThrow(
      /^input 'username': a password was given for quay\.io but no username/
    )
  })

  it('has no login for GitHub’s registry without any token', () => {
    expect(resolveLogin({ ...defaults, registry: 'ghcr.io', githubToken: '' }, dotcom)).toBeUndefined()
  })
})

describe('loginSecrets', () => {
  it('is the password and docker’s base64 auth value', () => {
    const login = { registry: 'r', username: 'u', password: 'p', source: 'password input' as const }
    expect(loginSecrets(login)).toEqual(['p', Buffer.from('u:p').toString('base64')])
    expect(loginSecrets(undefined)).toEqual([])
  })
})
