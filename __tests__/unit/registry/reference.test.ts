import { describe, expect, it } from '@jest/globals'
import { InvalidReferenceError, formatReference, parseReference } from '../../../src/registry/index.js'
import { parseRepositoryName } from '../../../src/registry/name/reference.js'

const digest = `sha256:${'a'.repeat(64)}`

describe('parseReference', () => {
  it.each([
    ['alpine', { registry: 'docker.io', repository: 'library/alpine', tag: 'latest' }],
    ['acme/app:1.0', { registry: 'docker.io', repository: 'acme/app', tag: '1.0' }],
    ['index.docker.io/acme/app', { registry: 'docker.io', repository: 'acme/app', tag: 'latest' }],
    ['docker.io/ubuntu', { registry: 'docker.io', repository: 'library/ubuntu', tag: 'latest' }],
    ['ghcr.io/acme/app:v1', { registry: 'ghcr.io', repository: 'acme/app', tag: 'v1' }],
    ['GHCR.io/acme/app', { registry: 'ghcr.io', repository: 'acme/app', tag: 'latest' }],
    ['127.0.0.1:5000/a/b/c:tag', { registry: '127.0.0.1:5000', repository: 'a/b/c', tag: 'tag' }],
    ['localhost/app', { registry: 'localhost', repository: 'app', tag: 'latest' }],
    ['localhost:5000/app', { registry: 'localhost:5000', repository: 'app', tag: 'latest' }],
    ['[::1]:5000/app', { registry: '[::1]:5000', repository: 'app', tag: 'latest' }],
    [`ghcr.io/acme/app@${digest}`, { registry: 'ghcr.io', repository: 'acme/app', digest }],
    [`ghcr.io/acme/app:v1@${digest}`, { registry: 'ghcr.io', repository: 'acme/app', tag: 'v1', digest }],
    ['registry:5000/a.b_c__d-e--f', { registry: 'registry:5000', repository: 'a.b_c__d-e--f', tag: 'latest' }]
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected)
  })

  it('explains how to fix a path with capitals', () => {
    expect(() => parseReference('ghcr.io/Octo-Org/Hello-World:v1')).toThrow(InvalidReferenceError)
    expect(() => parseReference('ghcr.io/Octo-Org/Hello-World:v1')).toThrow(
      /contains capital letters.*use "octo-org\/hello-world"/
    )
  })

  it.each([
    ['', /empty/],
    ['ghcr.io/acme/app:-bad', /invalid tag/],
    ['ghcr.io/acme/app@sha256:abc', /invalid digest/],
    [`ghcr.io/acme/app@sha256:${'A'.repeat(64)}`, /64 lowercase hex/],
    ['ghcr.io/acme//app', /invalid path component ""/],
    ['ghcr.io/acme/-app', /invalid path component/],
    ['ghcr.io/', /missing repository/],
    ['a@b@c', /more than one "@"/],
    [`ghcr.io/${'a'.repeat(256)}`, /longer than 255/]
  ])('rejects %j', (input, message) => {
    expect(() => parseReference(input)).toThrow(message)
  })

  it('formats what it parses', () => {
    expect(formatReference(parseReference('127.0.0.1:5000/a/b'))).toBe('127.0.0.1:5000/a/b:latest')
  })

  it('takes repository names without tag or digest', () => {
    expect(parseRepositoryName('ghcr.io/acme/app')).toEqual({ registry: 'ghcr.io', repository: 'acme/app' })
    expect(() => parseRepositoryName('ghcr.io/acme/app:v1')).toThrow(/expected a repository/)
  })
})
