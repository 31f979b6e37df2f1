/**
 * The whole metadata case table (`__tests__/fixtures/metadata/cases.ts`) through the bundled action
 * (`dist/index.js`, run as the runner runs it) in dry-run mode, against a loopback stand-in for the REST API.
 * Run `npm run build` first: this tests the bundle, not `src/`.
 *
 * The registry input points at a loopback "tripwire" that counts connections: a dry run must contact none.
 * The table's default image is `ghcr.io/<GITHUB_REPOSITORY>` (registry input at its default); here the
 * default image is `<tripwire>/<GITHUB_REPOSITORY>`, so that one expectation is moved to the tripwire host.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { cases, jsonOf, type ExpectedOutputs, type MetadataCase } from '../../fixtures/metadata/cases.js'
import { EPOCH, REPO, runEnv, SHA } from '../../fixtures/metadata/context.js'
import { startFakeGithubApi, type FakeGithubApi } from '../../support/github-api.js'

const TOKEN = 'ghs_metadata_cases_token'
/** Node processes running the action at once (each run spawns node on a 3 MB bundle). */
const CONCURRENCY = 4

/** At most `limit` calls of `task` at once. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0
  const waiting: (() => void)[] = []
  return async task => {
    if (active >= limit) await new Promise<void>(resolve => waiting.push(resolve))
    active++
    try {
      return await task()
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}
const limit = limiter(CONCURRENCY)

/** A TCP listener that counts connections and drops them: where the registry input points. */
interface Tripwire {
  host: string
  connections: () => number
  close: () => Promise<void>
}

async function startTripwire(): Promise<Tripwire> {
  let count = 0
  const server: Server = createServer(socket => {
    count++
    socket.destroy()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    host: `127.0.0.1:${port}`,
    connections: () => count,
    close: () => new Promise(resolve => server.close(() => resolve()))
  }
}

let tripwire: Tripwire
let workspace: string

beforeAll(async () => {
  tripwire = await startTripwire()
  workspace = await mkdtemp(join(tmpdir(), 'metadata-dry-run-'))
  await writeFile(join(workspace, 'Dockerfile'), 'FROM scratch\n')
})
afterAll(async () => {
  await tripwire.close()
  await rm(workspace, { recursive: true, force: true })
})

/** The case's inputs as action inputs: list inputs are lines joined with '\n'. */
function actionInputs(c: MetadataCase): Record<string, string> {
  const { images, tags, flavor, labels, annotations, platforms, description, licenses, source } = c.inputs
  const lists = { images, tags, flavor, labels, annotations, platforms }
  const inputs: Record<string, string> = { 'dry-run': 'true', builder: 'buildah', registry: tripwire.host }
  for (const [name, lines] of Object.entries(lists)) if (lines) inputs[name] = lines.join('\n')
  for (const [name, value] of Object.entries({ description, licenses, source })) {
    if (value !== undefined) inputs[name] = value
  }
  return inputs
}

/** Runs one case against its own fake API, which answers the repository with `c.repo` (404 when null). */
async function runCase(c: MetadataCase): Promise<{ run: ActionRun; api: FakeGithubApi }> {
  const repository = c.env.GITHUB_REPOSITORY ?? ''
  const routes = c.repo ? { [`/repos/${repository}`]: { body: c.repo } } : {}
  const api = await startFakeGithubApi(routes)
  try {
    const run = await limit(() =>
      runAction({
        cwd: workspace,
        token: TOKEN,
        inputs: actionInputs(c),
        env: { ...c.env, GITHUB_API_URL: api.url },
        event: c.payload,
        post: false
      })
    )
    return { run, api }
  } finally {
    await api.close()
  }
}

/** The messages of `::name::` workflow commands in stdout, unescaped as the runner unescapes them. */
function commands(stdout: string, name: 'warning' | 'error'): string[] {
  const prefix = `::${name}::`
  return stdout
    .split('\n')
    .filter(line => line.startsWith(prefix))
    .map(line => line.slice(prefix.length).replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%'))
}

/** The table's expectation with its default image (`ghcr.io/<repo>`) moved to the registry input's host. */
function withRegistry(c: MetadataCase, expected: ExpectedOutputs): ExpectedOutputs {
  if (c.inputs.images !== undefined) return expected
  const tableImage = `ghcr.io/${(c.env.GITHUB_REPOSITORY ?? '').toLowerCase()}:`
  const actionImage = `${tripwire.host}/${(c.env.GITHUB_REPOSITORY ?? '').toLowerCase()}:`
  const move = (tags: string[]) =>
    tags.map(tag => (tag.startsWith(tableImage) ? actionImage + tag.slice(tableImage.length) : tag))
  const json = expected.json && { ...expected.json, tags: move(expected.json.tags) }
  return { ...expected, tags: move(expected.tags), ...(json ? { json } : {}) }
}

/** The warning the action gives when the repository API does not answer (the case's `repo` is null). */
const NO_REPOSITORY_WARNING = /^Cannot read repository .* \(HTTP 404/
/** The warning that goes with every run that yields no tag (the table lists it only where it is the point). */
const NO_TAG_WARNING = 'No tag was generated'

function expectOutputs(c: MetadataCase, run: ActionRun, tableExpected: ExpectedOutputs): void {
  const expected = withRegistry(c, tableExpected)
  expect(run.outputs.version).toBe(expected.version)
  expect(run.outputs.tags).toBe(expected.tags.join('\n'))
  expect(run.outputs['tag-names']).toBe(expected.tagNames.join('\n'))
  expect(run.outputs.labels).toBe(expected.labels.join('\n'))
  expect(run.outputs.annotations).toBe(expected.annotations.join('\n'))
  expect(JSON.parse(run.outputs.json ?? 'null')).toEqual(jsonOf(expected))
  // Dry run: nothing built, nothing pushed.
  expect(run.stdout).toContain('Dry run: nothing is built')
  expect(run.outputs.digest).toBe('')
  expect(run.outputs.refs).toBe('')
}

/**
 * Each expected warning is in one `::warning::`. Any other warning is unexpected, but for the two a case
 * implies: the repository API's 404 when `repo` is null, and "No tag was generated" when no tag is expected.
 */
function expectWarnings(c: MetadataCase, run: ActionRun, expected: ExpectedOutputs): void {
  const warnings = commands(run.stdout, 'warning')
  const listed = expected.warnings ?? []
  for (const warning of listed) {
    expect(warnings.filter(w => w.includes(warning))).toHaveLength(1)
  }
  const implied = (w: string) =>
    (c.repo === null && NO_REPOSITORY_WARNING.test(w)) ||
    (expected.tagNames.length === 0 && w.startsWith(NO_TAG_WARNING))
  expect(warnings.filter(w => !listed.some(e => w.includes(e)) && !implied(w))).toEqual([])
}

describe('metadata cases through dist/index.js in dry-run mode', () => {
  it.concurrent.each(cases.map(c => [c.name, c] as const))('%s', async (_name, c) => {
    const { run, api } = await runCase(c)
    const repository = c.env.GITHUB_REPOSITORY ?? ''
    expect(run.stderr).toBe('')
    expect(api.requests).toContainEqual({
      method: 'GET',
      path: `/repos/${repository}`,
      authorization: `token ${TOKEN}`
    })
    // The token is registered as a secret (::add-mask::, never displayed) and appears nowhere else.
    expect(run.stdout).toContain(`::add-mask::${TOKEN}`)
    expect(run.stdout.replace(`::add-mask::${TOKEN}`, '')).not.toContain(TOKEN)
    if ('error' in c.expected) {
      expect(run.exitCode).toBe(1)
      const errors = commands(run.stdout, 'error')
      expect(errors.filter(e => e.includes((c.expected as { error: string }).error))).toHaveLength(1)
      expect(run.outputs).toEqual({})
      return
    }
    expect(commands(run.stdout, 'error')).toEqual([])
    expect(run.exitCode).toBe(0)
    expectOutputs(c, run, c.expected)
    expectWarnings(c, run, c.expected)
  })
})

/**
 * `{{commit_date}}` without a push payload: the action asks the REST API for the commit's committer date,
 * and falls back to SOURCE_DATE_EPOCH (with a warning) when the API cannot say.
 */
describe('commit_date through dist/index.js when the event payload has no commit', () => {
  const env = runEnv('refs/heads/master')
  const repository = env.GITHUB_REPOSITORY ?? ''
  const inputs = {
    'dry-run': 'true',
    builder: 'buildah',
    images: 'user/app',
    tags: "type=raw,value={{commit_date 'YYYYMMDD-HHmmss'}}",
    labels: "org.example.committed={{commit_date 'YYYY-MM-DD' tz='Asia/Tokyo'}}"
  }
  const run = (api: FakeGithubApi) =>
    runAction({
      cwd: workspace,
      token: TOKEN,
      inputs: { ...inputs, registry: tripwire.host },
      env: { ...env, GITHUB_API_URL: api.url },
      event: {},
      post: false
    })

  it('uses the committer date from GET /repos/{owner}/{repo}/commits/{sha}', async () => {
    const commit = { sha: SHA, commit: { committer: { date: '2021-03-04T20:06:07Z' } } }
    const api = await startFakeGithubApi({
      [`/repos/${repository}`]: { body: REPO },
      [`/repos/${repository}/commits/${SHA}`]: { body: commit }
    })
    const result = await run(api).finally(() => api.close())
    expect(result.exitCode).toBe(0)
    expect(result.outputs['tag-names']).toBe('20210304-200607')
    expect(result.outputs.labels).toContain('org.example.committed=2021-03-05\n')
    expect(api.requests.map(r => r.path)).toContain(`/repos/${repository}/commits/${SHA}`)
    expect(commands(result.stdout, 'warning')).toEqual([])
  })

  it('falls back to SOURCE_DATE_EPOCH with a warning when the API does not know the commit', async () => {
    const api = await startFakeGithubApi({ [`/repos/${repository}`]: { body: REPO } })
    const result = await run(api).finally(() => api.close())
    expect(result.exitCode).toBe(0)
    const epoch = new Date(Number(EPOCH) * 1000).toISOString().replace(/[-:]/g, '') // 20200110T003000.000Z
    expect(result.outputs['tag-names']).toBe(`${epoch.slice(0, 8)}-${epoch.slice(9, 15)}`)
    expect(api.requests.map(r => r.path)).toContain(`/repos/${repository}/commits/${SHA}`)
    expect(commands(result.stdout, 'warning')).toEqual([
      expect.stringMatching(new RegExp(`^Cannot read commit ${SHA} .*commit_date uses the build time`))
    ])
  })

  it('asks for no commit when no template uses commit_date', async () => {
    const api = await startFakeGithubApi({ [`/repos/${repository}`]: { body: REPO } })
    const result = await runAction({
      cwd: workspace,
      token: TOKEN,
      inputs: { 'dry-run': 'true', builder: 'buildah', registry: tripwire.host, tags: 'type=sha' },
      env: { ...env, GITHUB_API_URL: api.url },
      event: {},
      post: false
    }).finally(() => api.close())
    expect(result.exitCode).toBe(0)
    expect(api.requests.map(r => r.path)).toEqual([`/repos/${repository}`])
  })
})

describe('the dry runs above', () => {
  it('contacted no registry', () => {
    expect(tripwire.connections()).toBe(0)
  })
})
