import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildTime, commitDateFromPayload, EnvVarError, readGitContext } from '../../../src/metadata/index.js'

const dir = mkdtempSync(join(tmpdir(), 'metadata-context-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function eventFile(name: string, payload: unknown): string {
  const path = join(dir, name)
  writeFileSync(path, typeof payload === 'string' ? payload : JSON.stringify(payload))
  return path
}

const prPayload = { number: 42, pull_request: { head: { sha: 'headsha' } } }

describe('readGitContext', () => {
  it('reads GITHUB_* and the payload file, with github.com defaults', () => {
    const ctx = readGitContext({
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SHA: 'abc',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_ACTOR: 'me',
      GITHUB_RUN_ID: '7',
      GITHUB_EVENT_PATH: eventFile('push.json', { ref: 'refs/heads/main' })
    })
    expect(ctx).toEqual({
      eventName: 'push',
      ref: 'refs/heads/main',
      sha: 'abc',
      payload: { ref: 'refs/heads/main' },
      repository: 'o/r',
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      actor: 'me',
      runId: '7'
    })
  })
  it('honours GitHub Enterprise Server URLs', () => {
    const ctx = readGitContext({
      GITHUB_SERVER_URL: 'https://ghes.local/',
      GITHUB_API_URL: 'https://ghes.local/api/v3'
    })
    expect([ctx.serverUrl, ctx.apiUrl]).toEqual(['https://ghes.local', 'https://ghes.local/api/v3'])
  })
  it('uses an empty payload when the event file is missing', () => {
    expect(readGitContext({ GITHUB_EVENT_PATH: join(dir, 'absent.json') }).payload).toEqual({})
  })
  it('fails clearly on an unreadable payload', () => {
    expect(() => readGitContext({ GITHUB_EVENT_PATH: eventFile('bad.json', '{nope') })).toThrow(EnvVarError)
  })
  it('uses the PR merge ref on pull_request_target', () => {
    const env = {
      GITHUB_EVENT_NAME: 'pull_request_target',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_PATH: eventFile('prt.json', prPayload)
    }
    expect(readGitContext(env).ref).toBe('refs/pull/42/merge')
  })
  it('uses the PR head SHA only with DOCKER_METADATA_PR_HEAD_SHA on a PR event', () => {
    const path = eventFile('pr.json', prPayload)
    const base = { GITHUB_SHA: 'merge', GITHUB_EVENT_PATH: path }
    expect(
      readGitContext({ ...base, GITHUB_EVENT_NAME: 'pull_request', DOCKER_METADATA_PR_HEAD_SHA: 'true' }).sha
    ).toBe('headsha')
    expect(readGitContext({ ...base, GITHUB_EVENT_NAME: 'pull_request' }).sha).toBe('merge')
    expect(
      readGitContext({ ...base, GITHUB_EVENT_NAME: 'push', DOCKER_METADATA_PR_HEAD_SHA: 'true' }).sha
    ).toBe('merge')
  })
})

describe('commitDateFromPayload', () => {
  const ctx = (payload: Record<string, unknown>) => ({ ...readGitContext({ GITHUB_SHA: 'abc' }), payload })
  it('prefers the commits[] entry of the SHA', () => {
    const payload = {
      commits: [
        { id: 'zzz', timestamp: '2001-01-01T00:00:00Z' },
        { id: 'abc', timestamp: '2002-02-02T00:00:00Z' }
      ],
      head_commit: { id: 'abc', timestamp: '2003-03-03T00:00:00Z' }
    }
    expect(commitDateFromPayload(ctx(payload))?.toISOString()).toBe('2002-02-02T00:00:00.000Z')
  })
  it('falls back to head_commit when it is the SHA', () => {
    expect(
      commitDateFromPayload(
        ctx({ head_commit: { id: 'abc', timestamp: '2003-03-03T00:00:00Z' } })
      )?.getUTCFullYear()
    ).toBe(2003)
    expect(
      commitDateFromPayload(ctx({ head_commit: { id: 'other', timestamp: '2003-03-03T00:00:00Z' } }))
    ).toBeUndefined()
  })
})

describe('buildTime', () => {
  it('uses SOURCE_DATE_EPOCH over the injected clock', () => {
    expect(buildTime({ SOURCE_DATE_EPOCH: '0' }, new Date(5)).toISOString()).toBe('1970-01-01T00:00:00.000Z')
    expect(buildTime({}, new Date(5)).getTime()).toBe(5)
  })
  it('rejects a SOURCE_DATE_EPOCH that is not whole seconds', () => {
    expect(() => buildTime({ SOURCE_DATE_EPOCH: '1.5' })).toThrow('environment variable SOURCE_DATE_EPOCH')
  })
})
