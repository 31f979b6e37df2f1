/**
 * The whole step (src/main.ts run) stopped in its attestation phase: the image is in the registry by
 * digest, the signed provenance is being made, and a Sigstore or GitHub service hangs. The push-timeout
 * or a cancel must end the step at once, naming what it stopped, with no tag moved; and the process
 * must end with it, though @sigstore/sign's abandoned requests (they take no signal) still wait.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { runAction } from '../../../scripts/run-action.mjs'
import { parseCli } from '../../../src/cli/args.js'
import { run } from '../../../src/main.js'
import type { Runtime } from '../../../src/runtime/types.js'
import { listTags, makeContext } from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import {
  oidcEnv,
  startAttestationsApi,
  startSigstore,
  type AttestationsApiStandIn,
  type RecordedRequest,
  type SigstoreStandIn
} from '../../support/sigstore.js'

const env = testEnv()
const closers: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const close of closers.splice(0)) await close()
})

const quiet: Runtime = {
  info: () => {},
  warning: () => {},
  debug: () => {},
  group: (_name, fn) => fn(),
  setOutput: () => {},
  setSecret: () => {},
  saveState: () => {},
  writeSummary: async () => {}
}

/** One platform, signed provenance required, against the stand-ins; resolves to the error it failed with. */
async function publish(
  image: string,
  flags: string[],
  services: { sigstore: SigstoreStandIn; api: AttestationsApiStandIn },
  signal?: AbortSignal
): Promise<unknown> {
  const context = await makeContext({
    Dockerfile: `FROM ${env.baseImage}\nRUN echo ${Date.now()} > /stamp\n`
  })
  const request = parseCli(
    [
      ...['--builder', 'buildah', '--registry', env.registry, '--image', image, '--tag', 'type=raw,value=v1'],
      ...['--platform', 'linux/amd64', '--context', context, '--summary', '/dev/null'],
      ...['--provenance', 'mode=min,signing=required', ...flags]
    ],
    {}
  )
  if (!('inputs' in request) || !request.inputs) throw new Error('no inputs')
  const runEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...oidcEnv(services.sigstore),
    PUBLISH_IMAGE_SIGSTORE_INSTANCE: 'public-good',
    PUBLISH_IMAGE_FULCIO_URL: services.sigstore.fulcioUrl,
    PUBLISH_IMAGE_REKOR_URL: services.sigstore.rekorUrl,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: services.api.url,
    GITHUB_ACTIONS: 'true',
    RUNNER_TEMP: await mkdtemp(`${tmpdir()}/run-attest-stop-`)
  }
  return run({ ...request.inputs, githubToken: 'ghs_loopbacktoken' }, quiet, runEnv, signal).then(
    () => undefined,
    (error: unknown) => error
  )
}

/** When the first request to `path` arrived. */
function arrival(requests: RecordedRequest[], path: RegExp): Promise<number> {
  return new Promise(resolve => {
    const poll = setInterval(() => {
      if (!requests.some(r => path.test(r.path))) return
      clearInterval(poll)
      resolve(Date.now())
    }, 20)
    poll.unref()
  })
}

/** The repository's tags; none when it holds no tag at all. */
function tagsOf(image: string): string[] {
  const tags = listTags(image)
  return tags === 'NAME_UNKNOWN' ? [] : tags
}

describe('run(): the attestation phase stops with the push', () => {
  it('Fulcio hangs: push-timeout ends the step, naming the signing it stopped; no tag', async () => {
    const sigstore = await startSigstore(undefined, /^\/api\/v2\/signingCert$/)
    const api = await startAttestationsApi()
    closers.push(sigstore.close, api.close)
    const image = `${env.registry}/${uniqueRepo('attest-timeout')}`
    const signing = arrival(sigstore.requests, /signingCert/)
    const error = await publish(image, ['--push-timeout', '0.1'], { sigstore, api })
    const afterSigningMs = Date.now() - (await signing)

    expect(String(error)).toContain(
      'signing the provenance with Sigstore was stopped before any tag moved: the push (push-timeout: 0.1) did not finish within 6 s'
    )
    // The deadline is 6 s from the start of the push, which came before the signing.
    expect(afterSigningMs).toBeLessThan(6500)
    expect(tagsOf(image)).toEqual([])
    expect(api.requests.filter(r => r.method === 'POST')).toEqual([])
  }, 300000)

  it('the attestations API hangs: a cancel ends the step, naming the recording it stopped; no tag', async () => {
    const sigstore = await startSigstore()
    const api = await startAttestationsApi('hold')
    closers.push(sigstore.close, api.close)
    const image = `${env.registry}/${uniqueRepo('attest-cancel')}`
    const controller = new AbortController()
    const recording = arrival(api.requests, /\/attestations$/).then(at => {
      controller.abort(new Error('cancelled by SIGTERM'))
      return at
    })
    const error = await publish(image, [], { sigstore, api }, controller.signal)
    const afterCancelMs = Date.now() - (await recording)

    expect(String(error)).toContain(
      'recording the provenance through the attestations API was stopped before any tag moved: cancelled by SIGTERM'
    )
    expect(afterCancelMs).toBeLessThan(2000)
    expect(tagsOf(image)).toEqual([])
  }, 300000)

  it('dist/index.js: the process ends with the step, not when the abandoned Sigstore requests time out', async () => {
    const sigstore = await startSigstore(undefined, /^\/api\/v2\/signingCert$/)
    closers.push(sigstore.close)
    const repo = uniqueRepo('attest-timeout-dist')
    const signing = arrival(sigstore.requests, /signingCert/)
    const run = await runAction({
      cwd: await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN echo ${Date.now()} > /stamp\n` }),
      inputs: {
        registry: env.registry,
        images: `${env.registry}/${repo}`,
        tags: 'type=raw,value=v1',
        builder: 'buildah',
        platforms: 'linux/amd64',
        provenance: 'mode=min,signing=required',
        'push-timeout': '0.1'
      },
      env: {
        ...oidcEnv(sigstore),
        PUBLISH_IMAGE_SIGSTORE_INSTANCE: 'public-good',
        PUBLISH_IMAGE_FULCIO_URL: sigstore.fulcioUrl,
        PUBLISH_IMAGE_REKOR_URL: sigstore.rekorUrl
      },
      post: false
    })
    const afterSigningMs = Date.now() - (await signing)

    expect(run.exitCode).toBe(1)
    expect(run.stdout).toMatch(
      /::error::signing the provenance with Sigstore was stopped before any tag moved: the push \(push-timeout: 0\.1\)/
    )
    // 6 s of push-timeout from the start of the push, then at most a second: not Fulcio's 4 × 30 s.
    expect(afterSigningMs).toBeLessThan(10000)
    expect(tagsOf(`${env.registry}/${repo}`)).toEqual([])
  }, 300000)
})
