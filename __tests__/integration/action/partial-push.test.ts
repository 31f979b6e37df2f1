import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { makeContext, rawManifest, sha256 } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { FaultProxy } from '../../support/registry/fault-proxy.js'

const isDigestPut = (repo: string) => (e: { method: string; path: string }) =>
  e.method === 'PUT' && e.path.startsWith(`/v2/${repo}/manifests/sha256:`)

describe('dist/index.js: a push that fails half-way moves no tag', () => {
  const env = testEnv()
  const repos = [uniqueRepo('e2e-half-first'), uniqueRepo('e2e-half-second')] as const
  const proxy = new FaultProxy(env.registry)
  const tagsOf = (repo: string) => ['v1', 'main'].map(tag => `${env.registry}/${repo}:${tag}`)
  let first: ActionRun
  let second: ActionRun
  let secondLog: typeof proxy.log
  let third: ActionRun
  let thirdLog: typeof proxy.log

  const publish = async (text: string) => {
    const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN echo ${text} > /v.txt\n` })
    return runAction({
      cwd: context,
      inputs: {
        registry: proxy.host,
        images: repos.map(r => `${proxy.host}/${r}`).join('\n'),
        tags: 'type=raw,value=v1\ntype=ref,event=branch',
        builder: 'buildah',
        password: ''
      }
    })
  }

  beforeAll(async () => {
    await proxy.start()
    first = await publish('first')
    proxy.clear()
    // The second image's manifest PUT by digest fails: the first image is complete by then.
    proxy.add({
      method: 'PUT',
      path: new RegExp(`^/v2/${repos[1]}/manifests/sha256:`),
      times: Infinity,
      action: { kind: 'status', status: 500 }
    })
    second = await publish('second')
    secondLog = [...proxy.log]
    proxy.clear()
    // Tagging fails on the last tag of the last image, after three tags were moved.
    proxy.add({
      method: 'PUT',
      path: new RegExp(`^/v2/${repos[1]}/manifests/v1$`),
      times: Infinity,
      action: { kind: 'status', status: 500 }
    })
    third = await publish('third')
    thirdLog = [...proxy.log]
  }, 300000)
  afterAll(() => proxy.stop())

  it('the first run tags both images', () => {
    expect(first.exitCode).toBe(0)
    for (const repo of repos)
      for (const ref of tagsOf(repo)) expect(sha256(rawManifest(ref).body)).toBe(first.outputs.digest)
  })

  it('the second run fails after pushing the first image completely', () => {
    expect(second.exitCode).toBe(1)
    expect(second.stdout).toMatch(/::error::/)
    const completed = secondLog.filter(isDigestPut(repos[0]))
    expect(completed.length).toBeGreaterThan(0)
    expect(completed.every(e => e.status === 201)).toBe(true)
    const refused = secondLog.filter(isDigestPut(repos[1]))
    expect(refused.length).toBeGreaterThan(0)
    expect(refused.every(e => e.fault === 'status')).toBe(true)
    // the new image is not the old one: the failed run had something new to publish
    const pushed = completed.map(e => e.path.split('/manifests/')[1])
    expect(pushed).not.toContain(first.outputs.digest)
  })

  it('no tag was written by the failed run, and every tag still resolves to the first digest', () => {
    expect(secondLog.filter(e => e.method === 'PUT' && /\/manifests\/(v1|main)$/.test(e.path))).toEqual([])
    for (const repo of repos)
      for (const ref of tagsOf(repo)) expect(sha256(rawManifest(ref).body)).toBe(first.outputs.digest)
    expect(second.outputs.digest ?? '').toBe('')
    expect(second.leftovers).toEqual([])
  })

  it('a run whose last tag write fails puts the tags it already moved back', () => {
    expect(third.exitCode).toBe(1)
    const tagPuts = thirdLog.filter(e => e.method === 'PUT' && /\/manifests\/(v1|main)$/.test(e.path))
    // it really moved tags before the failure…
    expect(tagPuts.filter(e => e.status === 201).map(e => e.path)).toEqual(
      expect.arrayContaining([
        `/v2/${repos[0]}/manifests/main`,
        `/v2/${repos[0]}/manifests/v1`,
        `/v2/${repos[1]}/manifests/main`
      ])
    )
    expect(tagPuts.some(e => e.path === `/v2/${repos[1]}/manifests/v1` && e.fault === 'status')).toBe(true)
    // …and every tag is back on the first digest
    for (const repo of repos)
      for (const ref of tagsOf(repo)) expect(sha256(rawManifest(ref).body)).toBe(first.outputs.digest)
    expect(third.stdout).toMatch(new RegExp(`::error::could not tag [^\\n]*${repos[1]}:v1; restored`))
    expect(third.leftovers).toEqual([])
  })
})
