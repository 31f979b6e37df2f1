import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fetchRepo, readGitContext, resolveCommitDate, type GitContext } from '../../../src/metadata/index.js'

const REPO = {
  name: 'Hello-World',
  description: 'd',
  html_url: 'https://ghes.local/octocat/Hello-World',
  default_branch: 'main',
  license: { spdx_id: 'MIT' }
}

/** A stand-in for the GitHub REST API on loopback, under the GHES-style /api/v3 prefix. */
interface FakeApi {
  server: Server
  url: string
  requests: { path: string; auth: string | undefined }[]
}

function route(req: IncomingMessage, res: ServerResponse): void {
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' })
    res.end(JSON.stringify(body))
  }
  if (req.headers.authorization === 'token bad') return send(401, { message: 'Bad credentials' })
  switch (req.url) {
    case '/api/v3/repos/octocat/Hello-World':
      return send(200, REPO)
    case '/api/v3/repos/octocat/Hello-World/commits/abc123':
      return send(200, { sha: 'abc123', commit: { committer: { date: '2021-05-06T07:08:09Z' } } })
    case '/api/v3/repos/octocat/hang':
      return // never answers
    default:
      return send(404, { message: 'Not Found' })
  }
}

async function startApi(): Promise<FakeApi> {
  const requests: FakeApi['requests'] = []
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? '', auth: req.headers.authorization })
    route(req, res)
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { server, url: `http://127.0.0.1:${port}/api/v3`, requests }
}

function recorder() {
  const warnings: string[] = []
  return { warnings, logger: { warning: (m: string) => warnings.push(m), info: () => {}, debug: () => {} } }
}

let api: FakeApi
beforeAll(async () => {
  api = await startApi()
})
afterAll(async () => {
  api.server.closeAllConnections()
  await new Promise(resolve => api.server.close(resolve))
})

function context(repository: string, extra: Partial<GitContext> = {}): GitContext {
  return {
    ...readGitContext({ GITHUB_REPOSITORY: repository, GITHUB_API_URL: api.url, GITHUB_SHA: 'abc123' }),
    ...extra
  }
}

describe('fetchRepo', () => {
  it('reads the repository from GITHUB_API_URL with the token', async () => {
    const { warnings, logger } = recorder()
    await expect(fetchRepo(context('octocat/Hello-World'), 'good', logger)).resolves.toMatchObject(REPO)
    expect(warnings).toEqual([])
    expect(api.requests.at(-1)).toEqual({ path: '/api/v3/repos/octocat/Hello-World', auth: 'token good' })
  })
  it.each([
    ['a refused token (401)', 'octocat/Hello-World', 'bad', 'HTTP 401'],
    ['an unknown repository (404)', 'octocat/missing', 'good', 'HTTP 404'],
    ['a private repository read without a token (404)', 'octocat/missing', '', 'HTTP 404']
  ])('warns and returns undefined on %s', async (_what, repository, token, detail) => {
    const { warnings, logger } = recorder()
    await expect(fetchRepo(context(repository), token, logger)).resolves.toBeUndefined()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`Cannot read repository ${repository}`)
    expect(warnings[0]).toContain(detail)
  })
  it('reads a public repository anonymously when there is no token', async () => {
    const { warnings, logger } = recorder()
    await expect(fetchRepo(context('octocat/Hello-World'), '', logger)).resolves.toMatchObject(REPO)
    expect(warnings).toEqual([])
    expect(api.requests.at(-1)).toEqual({ path: '/api/v3/repos/octocat/Hello-World', auth: undefined })
  })
  it('warns and returns undefined when the API is down', async () => {
    const down = await startApi()
    down.server.close()
    const { warnings, logger } = recorder()
    const ctx = { ...context('octocat/Hello-World'), apiUrl: down.url }
    await expect(fetchRepo(ctx, 'good', logger)).resolves.toBeUndefined()
    expect(warnings[0]).toContain(`from ${down.url}`)
  })
  it('gives up on an API that does not answer', async () => {
    const { warnings, logger } = recorder()
    await expect(
      fetchRepo(context('octocat/hang'), 'good', logger, { timeoutMs: 200 })
    ).resolves.toBeUndefined()
    expect(warnings).toHaveLength(1)
  })
})

describe('resolveCommitDate', () => {
  const env = { SOURCE_DATE_EPOCH: '1578616200' }
  it('uses the push payload without calling the API', async () => {
    const { logger } = recorder()
    const before = api.requests.length
    const payload = { head_commit: { id: 'abc123', timestamp: '2020-02-02T02:02:02Z' } }
    const date = await resolveCommitDate(context('octocat/Hello-World', { payload }), 'good', logger, env)
    expect(date.toISOString()).toBe('2020-02-02T02:02:02.000Z')
    expect(api.requests.length).toBe(before)
  })
  it('asks the API for the committer date otherwise', async () => {
    const { warnings, logger } = recorder()
    const date = await resolveCommitDate(context('octocat/Hello-World'), 'good', logger, env)
    expect(date.toISOString()).toBe('2021-05-06T07:08:09.000Z')
    expect(warnings).toEqual([])
  })
  it('falls back to SOURCE_DATE_EPOCH, with a warning, when the API fails', async () => {
    const { warnings, logger } = recorder()
    const date = await resolveCommitDate(context('octocat/missing'), 'good', logger, env)
    expect(date.toISOString()).toBe('2020-01-10T00:30:00.000Z')
    expect(warnings[0]).toContain('HTTP 404')
  })
  it('falls back to now without SOURCE_DATE_EPOCH', async () => {
    const { logger } = recorder()
    const now = new Date('2030-01-01T00:00:00Z')
    await expect(resolveCommitDate(context('octocat/missing'), 'bad', logger, {}, { now })).resolves.toEqual(
      now
    )
  })
})
