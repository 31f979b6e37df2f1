import { beforeAll, describe, expect, it } from '@jest/globals'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import {
  type Manifest,
  OCI_INDEX,
  type PulledImage,
  annotationsAt,
  buildThenAccessCheck,
  imageConfig,
  makeContext,
  pullImage,
  rawManifest,
  sha256
} from '../../support/e2e.js'
import { testEnv, uniqueRepo } from '../../support/env.js'
import { buildxBuildLine, filesOf, leaksOf } from '../../support/buildx.js'

// These runs leave DOCKER_HOST unset, as on a runner after docker/setup-buildx-action: the current buildx
// builder is the test buildkitd (remote driver), host networking, so RUN steps work.

describe('dist/index.js with builder auto picks buildx and builds one platform with RUN steps', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-buildx')}`
  const tokenValue = `tok-${randomBytes(12).toString('hex')}`
  const fileValue = `file-${randomBytes(16).toString('hex')}`
  const data = randomBytes(3 * 1024 * 1024)
  let run: ActionRun
  let pulled: PulledImage
  let files: Map<string, Buffer>

  beforeAll(async () => {
    const secrets = await makeContext({ 'secret.txt': fileValue })
    const context = await makeContext({
      Dockerfile: [
        `FROM ${env.baseImage} AS app`,
        'ARG GREETING',
        // The sleep gives the push access check and the registry lookups, which start with the build,
        // time to end before buildx hands data.bin's layer over (only then is it compressed ahead).
        'RUN echo "$GREETING" > /greeting && uname -m > /arch && sleep 1',
        'RUN --mount=type=secret,id=token --mount=type=secret,id=file ' +
          'sh -c "wc -c < /run/secrets/token > /len && wc -c < /run/secrets/file > /file-len"',
        'COPY data.bin /data.bin',
        // The last stage fails: only `target: app` makes this build succeed.
        'FROM app AS broken',
        'RUN exit 3',
        ''
      ].join('\n')
    })
    await writeFile(join(context, 'data.bin'), data)
    run = await runAction({
      cwd: context,
      env: { MY_SECRET: tokenValue, RUNNER_DEBUG: '1' },
      inputs: {
        registry: env.registry,
        images: image,
        tags: 'type=ref,event=branch',
        'build-args': 'GREETING=hello from buildx',
        target: 'app',
        secrets: `id=token,env=MY_SECRET\nid=file,src=${join(secrets, 'secret.txt')}`,
        password: ''
      }
    })
    if (run.exitCode === 0) {
      pulled = await pullImage(`${image}@${run.outputs.digest}`)
      files = filesOf(pulled)
    }
  }, 600000)

  it('checks push access once the build command has started, while it runs', () => {
    const { build, check, buildEnd } = buildThenAccessCheck(run.stdout, 'docker-buildx build')
    expect(build).toBeGreaterThan(-1)
    expect(check).toBeGreaterThan(build)
    expect(check).toBeLessThan(buildEnd)
  })

  it('succeeds, main and post, leaving nothing in RUNNER_TEMP', () => {
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(run.post?.exitCode).toBe(0)
    expect(run.leftovers).toEqual([])
  })

  it('says auto chose buildx and why, and uses the current remote builder as it is', () => {
    expect(run.stdout).toMatch(
      /builder: buildx \(auto: found buildx 0\.38\.2 \(the docker plugin \S+\/docker-buildx, run itself\)\)/
    )
    expect(run.stdout).toContain(
      "buildx: using the current builder publish-image-testenv ('remote' driver) as it is"
    )
    // The plugin docker would run, run without docker in front (the test env's buildx is a plugin).
    const plugin = /buildx: running the plugin (\S+\/docker-buildx) itself \(what docker buildx runs\)/.exec(
      run.stdout
    )?.[1]
    expect(plugin).toBeDefined()
    const command = buildxBuildLine(run.stdout)
    expect(command.startsWith(`$ ${plugin} build `)).toBe(true)
    expect(command).not.toContain('--builder')
    expect(command).toContain('--metadata-file')
    expect(run.stdout).toMatch(/buildx: build ref publish-image-testenv\/\S+\/\w+/)
  })

  it('ran the RUN steps of the target stage with the build-arg, natively', () => {
    expect(files.get('greeting')?.toString('utf8')).toBe('hello from buildx\n')
    expect(files.get('arch')?.toString('utf8')).toBe('x86_64\n')
    expect(JSON.parse(run.outputs['platform-digests'] ?? '{}')).toEqual({ 'linux/amd64': run.outputs.digest })
  })

  it('compressed the large layer while buildx handed it over, uploaded it once, its diff_id right', () => {
    expect(run.stdout).toMatch(
      /compressed \(gzip\) while uploading to \S+ \(1 while the build handed it over\)/
    )
    expect(files.get('data.bin')?.equals(data)).toBe(true)
    const config = JSON.parse(pulled.config.toString('utf8')) as { rootfs: { diff_ids: string[] } }
    expect(pulled.layers.map(l => sha256(l.tar))).toEqual(config.rootfs.diff_ids)
    const manifest = JSON.parse(pulled.manifest.toString('utf8')) as Manifest
    const big = manifest.layers!.at(-1)! // COPY data.bin
    const puts = run.stdout.match(new RegExp(`PUT \\S+digest=sha256%(25)?3A${big.digest.slice(7)}`, 'g'))
    expect(puts).toHaveLength(1)
  })

  it('mounted both secrets (the image records their lengths)', () => {
    expect(files.get('len')?.toString('utf8').trim()).toBe(String(tokenValue.length))
    expect(files.get('file-len')?.toString('utf8').trim()).toBe(String(fileValue.length))
  })

  it.each([
    ['the token (env=)', () => tokenValue],
    ['the file secret (src=)', () => fileValue]
  ])('never shows %s in logs, outputs, state or a pushed blob', (_name, value) => {
    expect(leaksOf(run, pulled, value())).toEqual([])
  })

  it('pushed a plain manifest whose bytes hash to the digest output, labels in its config', () => {
    const served = rawManifest(`${image}:main`)
    expect(served.json.manifests).toBeUndefined()
    expect(sha256(served.body)).toBe(run.outputs.digest)
    const config = imageConfig(`${image}@${run.outputs.digest}`)
    expect(config.config?.Labels?.['org.opencontainers.image.source']).toBe(
      'https://github.com/octo-org/hello-world'
    )
  })
})

describe('dist/index.js with buildx builds linux/amd64 + linux/arm64 with RUN steps, annotated at both levels', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-buildx-multi')}`
  let run: ActionRun
  let index: { body: Buffer; json: Manifest }

  beforeAll(async () => {
    const context = await makeContext({ Dockerfile: `FROM ${env.baseImage}\nRUN uname -m > /arch\n` })
    run = await runAction({
      cwd: context,
      // As docker/setup-buildx-action leaves it: the builder is named, and read from buildx's store.
      env: { BUILDX_BUILDER: 'publish-image-testenv' },
      inputs: {
        registry: env.registry,
        images: image,
        tags: 'type=raw,value=multi',
        builder: 'buildx',
        platforms: 'linux/amd64,linux/arm64',
        annotations: 'org.example.note=annotated through buildx',
        password: ''
      }
    })
    if (run.exitCode === 0) index = rawManifest(`${image}:multi`)
  }, 600000)

  it('succeeds with one OCI index whose bytes hash to the digest output', () => {
    expect(run.stdout).not.toMatch(/::error/)
    expect(run.exitCode).toBe(0)
    expect(index.json.mediaType).toBe(OCI_INDEX)
    expect(sha256(index.body)).toBe(run.outputs.digest)
  })

  it("takes the builder BUILDX_BUILDER names from buildx's store (no inspect)", () => {
    expect(run.stdout).toContain(
      "buildx: using the current builder publish-image-testenv (BUILDX_BUILDER) ('remote' driver) as it is"
    )
  })

  it('ran each RUN step on its own architecture (arm64 under qemu)', async () => {
    const platforms = JSON.parse(run.outputs['platform-digests'] ?? '{}') as Record<string, string>
    expect(Object.keys(platforms).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    const uname: Record<string, string> = {}
    for (const [platform, digest] of Object.entries(platforms)) {
      const files = filesOf(await pullImage(`${image}@${digest}`))
      uname[platform] = files.get('arch')?.toString('utf8').trim() ?? ''
    }
    expect(uname).toEqual({ 'linux/amd64': 'x86_64', 'linux/arm64': 'aarch64' })
  })

  it('annotates the index and each manifest (the default levels of a multi-platform build)', () => {
    expect(annotationsAt(run.outputs.annotations, 'index')['org.example.note']).toBe(
      'annotated through buildx'
    )
    expect(annotationsAt(run.outputs.annotations, 'manifest')['org.example.note']).toBe(
      'annotated through buildx'
    )
    expect(index.json.annotations?.['org.example.note']).toBe('annotated through buildx')
    const children = index.json.manifests ?? []
    expect(children).toHaveLength(2)
    for (const child of children) {
      const manifest = rawManifest(`${image}@${child.digest}`).json
      expect(manifest.annotations?.['org.example.note']).toBe('annotated through buildx')
    }
  })
})
