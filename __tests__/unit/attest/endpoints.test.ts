import { describe, expect, it } from '@jest/globals'
import { signingEndpoints, sigstoreInstance } from '../../../src/attest/endpoints.js'

const run = (repositoryVisibility: string, serverUrl = 'https://github.com') => ({
  repositoryVisibility,
  serverUrl
})

describe('sigstoreInstance (the rule of @actions/attest)', () => {
  it('public repositories use public-good; private, internal and unknown ones GitHub’s', () => {
    expect(sigstoreInstance(run('public'), {})).toBe('public-good')
    expect(sigstoreInstance(run('private'), {})).toBe('github')
    expect(sigstoreInstance(run('internal'), {})).toBe('github')
    expect(sigstoreInstance(run(''), {})).toBe('github')
  })

  it('PUBLISH_IMAGE_SIGSTORE_INSTANCE forces one; anything else is refused', () => {
    expect(sigstoreInstance(run('private'), { PUBLISH_IMAGE_SIGSTORE_INSTANCE: 'public-good' })).toBe(
      'public-good'
    )
    expect(sigstoreInstance(run('public'), { PUBLISH_IMAGE_SIGSTORE_INSTANCE: 'github' })).toBe('github')
    expect(() => sigstoreInstance(run('public'), { PUBLISH_IMAGE_SIGSTORE_INSTANCE: 'mine' })).toThrow(
      /public-good or github/
    )
  })
})

describe('signingEndpoints', () => {
  it('public-good: Fulcio and Rekor, no TSA', () => {
    expect(signingEndpoints(run('public'), {})).toEqual({
      instance: 'public-good',
      fulcioUrl: 'https://fulcio.sigstore.dev',
      rekorUrl: 'https://rekor.sigstore.dev'
    })
  })

  it('GitHub’s instance: fulcio/timestamp.githubapp.com for github.com, no Rekor', () => {
    expect(signingEndpoints(run('private'), {})).toEqual({
      instance: 'github',
      fulcioUrl: 'https://fulcio.githubapp.com',
      tsaUrl: 'https://timestamp.githubapp.com'
    })
  })

  it('GHE.com and GHES: fulcio.<host> and timestamp.<host>', () => {
    expect(signingEndpoints(run('private', 'https://acme.ghe.com'), {})).toMatchObject({
      fulcioUrl: 'https://fulcio.acme.ghe.com',
      tsaUrl: 'https://timestamp.acme.ghe.com'
    })
  })

  it('the URL variables move the services the instance uses and add none', () => {
    const env = {
      PUBLISH_IMAGE_FULCIO_URL: 'http://127.0.0.1:1/fulcio',
      PUBLISH_IMAGE_REKOR_URL: 'http://127.0.0.1:1/rekor',
      PUBLISH_IMAGE_TSA_URL: 'http://127.0.0.1:1/tsa'
    }
    expect(signingEndpoints(run('private'), env)).toEqual({
      instance: 'github',
      fulcioUrl: 'http://127.0.0.1:1/fulcio',
      tsaUrl: 'http://127.0.0.1:1/tsa'
    })
    expect(signingEndpoints(run('public'), env)).toEqual({
      instance: 'public-good',
      fulcioUrl: 'http://127.0.0.1:1/fulcio',
      rekorUrl: 'http://127.0.0.1:1/rekor'
    })
  })
})
