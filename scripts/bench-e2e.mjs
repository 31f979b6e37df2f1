// End-to-end benchmark (not a test): `npm run bench -- e2e`. For each case (BENCH_E2E_SIZES, default
// "64M,1G", one platform; BENCH_E2E_MULTI, default "64M", two platforms linux/amd64 + linux/arm64, an
// arm64 build through QEMU), alternating BENCH_ROUNDS rounds (default 3; the order of the tools turns
// every round), each into fresh repositories of one registry, the same context `FROM base/busybox` + a
// RUN + a COPY of a random file (one per platform, so the platforms share no layer; new bytes every
// run, so that no tool mounts a layer an earlier run pushed):
//   action           dist/index.js, builder buildah
//   buildah          `buildah build -t … && buildah push …` (two platforms: --manifest, `manifest push --all`)
//   action (buildx)  dist/index.js, builder buildx (the test env's BuildKit), no-cache
//   buildx           `docker buildx build --no-cache --push` (output type=image, push=true)
//   crane            `buildah build -t oci:<layout>` (gzip layers) && `crane push <layout>`
// BENCH_E2E_TOOLS picks some (comma-separated names as above). BENCH_E2E_UPLINK=<MiB/s> limits what
// clients send to the registry (every tool alike), as a runner's link to a remote registry would. Everything goes through a byte-counting
// proxy in front of the registry. Prints median wall times, each tool's ratio to the action, bytes
// uploaded (the base layer's among them: 0 when it was mounted), the action's peak RSS, the load average,
// and the most uploads in flight at once (does a tool push the platforms one after another?). Run `npm
// run build` first (the action is dist/index.js) and `node scripts/testenv.mjs up` (base image, buildkitd).
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir, cpus, loadavg, totalmem } from 'node:os'
import { join } from 'node:path'
import { randomFillSync } from 'node:crypto'
import { runAction } from './run-action.mjs'
import { readState, startRegistry, trustLoopbackRegistry, isAlive, waitFor } from './testenv.mjs'
import { goBinDir } from './go-tools.mjs'

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3))
const list = (text, parse) =>
  (text ?? '')
    .split(',')
    .filter(t => t.trim())
    .map(parse)
const SIZES = list(process.env.BENCH_E2E_SIZES ?? '64M,1G', parseSize)
const MULTI = list(process.env.BENCH_E2E_MULTI ?? '64M', parseSize)
const ALL_TOOLS = ['action', 'buildah', 'action (buildx)', 'buildx', 'crane']
const TOOLS = list(process.env.BENCH_E2E_TOOLS ?? ALL_TOOLS.join(','), t => t.trim())
/** MiB/s: uploads through a link this fast, as to a remote registry (none: loopback speed). */
const UPLINK = Number(process.env.BENCH_E2E_UPLINK ?? 0)
const log = msg => process.stderr.write(`[bench-e2e] ${msg}\n`)
/**
 * The test environment's buildkitd, registered under a name of this run only: the `publish-image-testenv`
 * registration and buildx's current builder are shared by everything on the machine, and may change.
 */
const BUILDER = `publish-image-bench-${process.pid}`

function parseSize(text) {
  const m = /^(\d+)([MG])$/i.exec(text.trim())
  if (!m) throw new Error(`BENCH_E2E_SIZES: ${text} is not like 64M or 1G`)
  return Number(m[1]) * (m[2].toUpperCase() === 'G' ? 1024 ** 3 : 1024 ** 2)
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
    let out = ''
    let err = ''
    child.stdout.on('data', d => (out += d))
    child.stderr.on('data', d => (err += d))
    child.on('error', reject)
    child.on('close', code =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')}: ${code} ${err}`))
    )
  })
}

/**
 * A TCP proxy in front of the registry that counts the bytes clients send (uploads), and how many
 * connections were uploading at once (≥ 256 KiB sent within the same 100 ms).
 */
async function countingProxy(target) {
  const [host, port] = target.split(':')
  const counter = { sent: 0, buckets: new Map() }
  const link = { freeAt: 0 }
  let nextId = 0
  const server = createServer(client => {
    const id = nextId++
    const upstream = connect(Number(port), host)
    client.on('data', d => {
      counter.sent += d.length
      const bucket = Math.floor(Date.now() / 100)
      const perConn = counter.buckets.get(bucket) ?? new Map()
      perConn.set(id, (perConn.get(id) ?? 0) + d.length)
      counter.buckets.set(bucket, perConn)
    })
    if (UPLINK) throttle(client, upstream, link)
    else client.pipe(upstream)
    upstream.pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  /** The most connections uploading in one 100 ms bucket since `since` (ms). */
  const peakUploads = since => {
    let peak = 0
    for (const [bucket, perConn] of counter.buckets) {
      if (bucket * 100 < since) continue
      peak = Math.max(peak, [...perConn.values()].filter(b => b >= 256 * 1024).length)
    }
    return peak
  }
  return { host: `127.0.0.1:${server.address().port}`, counter, peakUploads, close: () => server.close() }
}

/**
 * Client → registry bytes at UPLINK MiB/s, shared by all connections (one uplink, like a runner's to a
 * remote registry): each chunk waits for its turn on the link, and the client is paused meanwhile.
 */
function throttle(client, upstream, link) {
  const bytesPerMs = (UPLINK * 1024 * 1024) / 1000
  client.on('data', chunk => {
    const now = Date.now()
    link.freeAt = Math.max(now, link.freeAt) + chunk.length / bytesPerMs
    client.pause()
    setTimeout(() => {
      upstream.write(chunk)
      client.resume()
    }, link.freeAt - now)
  })
  client.on('end', () => setTimeout(() => upstream.end(), Math.max(0, link.freeAt - Date.now())))
}

/** Peak RSS (VmHWM) of the processes running `marker`, polled until `done` settles. */
async function peakRss(marker, done) {
  let peak = 0
  let finished = false
  done.finally(() => (finished = true)).catch(() => {})
  while (!finished) {
    for (const pid of readdirSync('/proc').filter(p => /^\d+$/.test(p))) {
      try {
        if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) continue
        const kb = Number(/VmHWM:\s*(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
        peak = Math.max(peak, kb)
      } catch {
        // the process exited meanwhile
      }
    }
    await new Promise(r => setTimeout(r, 50))
  }
  return peak / 1024
}

function writeRandomFile(path, size) {
  const out = createWriteStream(path)
  const chunk = Buffer.alloc(4 * 1024 * 1024)
  return new Promise((resolve, reject) => {
    let left = size
    const more = () => {
      while (left > 0) {
        const n = Math.min(left, chunk.length)
        left -= n
        if (!out.write(randomFillSync(Buffer.alloc(n)))) return out.once('drain', more)
      }
      out.end(resolve)
    }
    out.on('error', reject)
    more()
  })
}

const median = values => {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

async function timed(fn) {
  const start = process.hrtime.bigint()
  const result = await fn()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result }
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json'
].join(', ')

async function getManifest(registryHost, repo, ref) {
  const res = await fetch(`http://${registryHost}/v2/${repo}/manifests/${ref}`, {
    headers: { accept: ACCEPT }
  })
  if (!res.ok) throw new Error(`GET ${repo}:${ref}: ${res.status}`)
  const body = Buffer.from(await res.arrayBuffer())
  return { body, json: JSON.parse(body.toString('utf8')) }
}

/**
 * What of `sent` was the base layers': the bytes sent minus the image's own blobs (configs, the layers
 * after the base's `baseLayers`) and manifests. About 0 (HTTP headers) when the base layers were mounted.
 */
async function baseBytesSent(registryHost, repo, sent, baseLayers) {
  const top = await getManifest(registryHost, repo, 'v1')
  const manifests = top.json.manifests
    ? await Promise.all(
        top.json.manifests
          .filter(m => m.platform?.architecture !== 'unknown')
          .map(m => getManifest(registryHost, repo, m.digest))
      )
    : [top]
  const blobs = new Map()
  let own = top.body.length
  for (const m of manifests) {
    if (m !== top) own += m.body.length
    blobs.set(m.json.config.digest, m.json.config.size)
    m.json.layers.slice(baseLayers).forEach(l => blobs.set(l.digest, l.size))
  }
  for (const size of blobs.values()) own += size
  return Math.max(0, sent - own)
}

async function writeContext(ctx, size, platforms, registry) {
  rmSync(ctx, { recursive: true, force: true })
  await run('mkdir', ['-p', ctx])
  const arches = platforms.map(p => p.split('/')[1])
  for (const arch of arches) await writeRandomFile(join(ctx, `data-${arch}.bin`), size)
  writeFileSync(
    join(ctx, 'Dockerfile'),
    `FROM ${registry}/base/busybox:latest\nARG TARGETARCH\nRUN echo built > /built.txt\nCOPY data-$TARGETARCH.bin /data.bin\n`
  )
}

function toolsFor(ctx, proxy, platforms, work) {
  const multi = platforms.length > 1
  const action = builder => async repo => {
    const done = runAction({
      cwd: ctx,
      post: false,
      // The bench's own registration of the test environment's buildkitd (see main).
      env: { BUILDX_BUILDER: BUILDER },
      inputs: {
        registry: proxy.host,
        images: `${proxy.host}/${repo}`,
        tags: 'type=raw,value=v1',
        builder,
        platforms: platforms.join(','),
        'no-cache': 'true',
        password: '',
        // Like for like: `buildah push` makes no provenance. BENCH_PROVENANCE=true measures it too.
        provenance: process.env.BENCH_PROVENANCE || 'false'
      }
    })
    const [result, rss] = await Promise.all([done, peakRss('dist/index.js', done)])
    if (result.exitCode !== 0) throw new Error(`action failed: ${result.stdout.slice(-3000)}`)
    const summary = /(\d+) uncompressed layers: (\d+) already in the registry/.exec(result.stdout)
    return { rss, baseMounted: summary ? `${summary[2]}/${summary[1]} layers mounted or found` : '?' }
  }
  const platformArgs = ['--platform', platforms.join(',')]
  return {
    action: action('buildah'),
    buildah: async repo => {
      const ref = `${proxy.host}/${repo}:v1`
      if (multi) {
        const list = `bench-list-${Date.now()}`
        await run('buildah', ['build', '--quiet', ...platformArgs, '--manifest', list, ctx])
        const pushStart = Date.now()
        await run('buildah', ['manifest', 'push', '--all', '--quiet', list, `docker://${ref}`])
        const pushMs = Date.now() - pushStart
        await run('buildah', ['manifest', 'rm', list]).catch(() => {})
        return { pushMs }
      }
      await run('buildah', ['build', '--quiet', ...platformArgs, '-t', ref, ctx])
      await run('buildah', ['push', '--quiet', ref])
      await run('buildah', ['rmi', ref]).catch(() => {})
      return {}
    },
    'action (buildx)': action('buildx'),
    buildx: async repo => {
      const output = `type=image,name=${proxy.host}/${repo}:v1,push=true,registry.insecure=true`
      await run('docker', [
        'buildx',
        'build',
        '--builder',
        BUILDER,
        '--no-cache',
        '--quiet',
        ...platformArgs,
        '--output',
        output,
        ctx
      ])
      return {}
    },
    crane: async repo => {
      const layout = join(work, `layout-${Date.now()}`)
      if (multi) {
        const list = `bench-crane-${Date.now()}`
        await run('buildah', ['build', '--quiet', ...platformArgs, '--manifest', list, ctx])
        await run('buildah', ['manifest', 'push', '--all', '--quiet', list, `oci:${layout}`])
        await run('buildah', ['manifest', 'rm', list]).catch(() => {})
      } else {
        await run('buildah', ['build', '--quiet', ...platformArgs, '-t', `oci:${layout}`, ctx])
      }
      await run(join(goBinDir(), 'crane'), [
        'push',
        '--insecure',
        ...(multi ? ['--index'] : []),
        layout,
        `${proxy.host}/${repo}:v1`
      ])
      rmSync(layout, { recursive: true, force: true })
      return {}
    }
  }
}

async function benchCase(size, platforms, registryHost, work, baseLayers) {
  const proxy = await countingProxy(registryHost)
  const conf = trustLoopbackRegistry(proxy.host)
  const ctx = join(work, `context-${size}-${platforms.length}`)
  const tools = toolsFor(ctx, proxy, platforms, work)
  const names = TOOLS.filter(t => tools[t])
  const results = Object.fromEntries(names.map(t => [t, []]))
  for (let round = 1; round <= ROUNDS; round++) {
    const turn = (round - 1) % names.length
    const order = [...names.slice(turn), ...names.slice(0, turn)]
    for (const tool of order) {
      const repo = `bench/${tool.replace(/\W+/g, '-')}-${size}-${platforms.length}-${round}-${Date.now()}`
      // New random bytes for every run: no tool can mount or skip a layer an earlier run pushed.
      await writeContext(ctx, size, platforms, proxy.host)
      const before = proxy.counter.sent
      const since = Date.now()
      const load = loadavg()[0]
      const { ms, result } = await timed(() => tools[tool](repo))
      const sent = proxy.counter.sent - before
      const baseSent = await baseBytesSent(registryHost, repo, sent, baseLayers).catch(() => NaN)
      results[tool].push({ ms, sent, baseSent, load, uploadsAtOnce: proxy.peakUploads(since), ...result })
    }
    log(
      `${size} bytes × ${platforms.length} platform(s), round ${round}: ` +
        names
          .map(t => results[t].at(-1))
          .map((r, i) => `${names[i]} ${r.ms.toFixed(0)} ms, ${(r.sent / 2 ** 20).toFixed(1)} MiB sent`)
          .join('; ')
    )
  }
  proxy.close()
  rmSync(conf, { force: true })
  rmSync(ctx, { recursive: true, force: true })
  return results
}

function report(size, platforms, r) {
  const mib = v => (v / 2 ** 20).toFixed(1)
  // '?' when the pushed image could not be read back (crane --index nests buildah's list in an index).
  const baseMiB = runs => {
    const known = runs.map(x => x.baseSent).filter(v => !Number.isNaN(v))
    return known.length > 0 ? `${mib(median(known))} MiB` : '?'
  }
  const first = Object.keys(r)[0]
  const reference = median(r[first].map(x => x.ms))
  const lines = [
    `  ${(size / 2 ** 20).toFixed(0)} MiB random layer per platform + busybox base, ${platforms.join(' + ')}:`
  ]
  for (const [tool, runs] of Object.entries(r)) {
    const ms = median(runs.map(x => x.ms))
    const extras = [
      `${mib(median(runs.map(x => x.sent)))} MiB sent (base layers ${baseMiB(runs)})`,
      `uploads at once ≤ ${Math.max(...runs.map(x => x.uploadsAtOnce))}`,
      runs[0].rss !== undefined ? `peak RSS ${Math.max(...runs.map(x => x.rss)).toFixed(0)} MiB` : '',
      runs[0].pushMs !== undefined
        ? `manifest push --all ${median(runs.map(x => x.pushMs)).toFixed(0)} ms`
        : '',
      runs[0].baseMounted ?? ''
    ].filter(Boolean)
    const ratio = ratioText(r, tool, first, reference / ms)
    lines.push(`    ${tool.padEnd(16)} ${ms.toFixed(0).padStart(7)} ms${ratio}; ${extras.join(', ')}`)
    lines.push(
      `    ${''.padEnd(16)} rounds (ms @ load): ${runs.map(x => `${x.ms.toFixed(0)}@${x.load.toFixed(1)}`).join(' ')}`
    )
  }
  return lines
}

/**
 * A tool's ratio: `action (buildx)` against `buildx` (the same BuildKit), the action against every other
 * tool. Medians of the totals, and the median of the per-round ratios (each round runs both back to
 * back, so a load that drifts over the run weighs less in it).
 */
function ratioText(r, tool, first, firstRatio) {
  const mine = tool === 'buildx' && r['action (buildx)'] ? 'action (buildx)' : first
  if (tool === mine) return ''
  const ms = runs => median(runs.map(x => x.ms))
  const overall = tool === 'buildx' && mine !== first ? ms(r[mine]) / ms(r[tool]) : firstRatio
  const paired = median(r[tool].map((x, i) => r[mine][i].ms / x.ms))
  return `, ${mine} / ${tool} = ${overall.toFixed(2)} (per round: ${paired.toFixed(2)})`
}

/** Layers of the base image's amd64 manifest (the same count on every platform of busybox). */
async function baseLayerCount(registryHost) {
  const top = await getManifest(registryHost, 'base/busybox', 'latest')
  const amd64 = top.json.manifests?.find(m => m.platform?.architecture === 'amd64')
  const manifest = amd64 ? await getManifest(registryHost, 'base/busybox', amd64.digest) : top
  return manifest.json.layers.length
}

async function main() {
  const state = readState()
  if (!state?.baseImage)
    throw new Error('run `node scripts/testenv.mjs up` first: the benchmark copies its base image')
  const work = mkdtempSync(join(tmpdir(), 'publish-image-bench-e2e-'))
  if (!state.buildkit?.socket) throw new Error('run `node scripts/testenv.mjs up` first: buildkitd is not up')
  await run('docker', [
    'buildx',
    'create',
    '--name',
    BUILDER,
    '--driver',
    'remote',
    `unix://${state.buildkit.socket}`
  ])
  const registry = await startRegistry({ dir: join(work, 'registry') })
  const registryConf = trustLoopbackRegistry(registry.host)
  try {
    await run('skopeo', [
      'copy',
      '--all',
      '--quiet',
      '--src-tls-verify=false',
      '--dest-tls-verify=false',
      `docker://${state.baseImage}`,
      `docker://${registry.host}/base/busybox:latest`
    ])
    const baseLayers = await baseLayerCount(registry.host)
    const lines = [
      '',
      `end-to-end benchmark: ${ROUNDS} alternating rounds, medians; ${cpus().length} CPUs (${cpus()[0]?.model}), ` +
        `${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}; load at the start ${loadavg()
          .map(l => l.toFixed(1))
          .join(' ')}` +
        (UPLINK ? `; uploads through a ${UPLINK} MiB/s link` : '')
    ]
    const cases = [
      ...SIZES.map(size => [size, ['linux/amd64']]),
      ...MULTI.map(size => [size, ['linux/amd64', 'linux/arm64']])
    ]
    for (const [size, platforms] of cases) {
      const r = await benchCase(size, platforms, registry.host, work, baseLayers)
      lines.push(...report(size, platforms, r))
      process.stderr.write(lines.slice(-2 * Object.keys(r).length - 1).join('\n') + '\n')
    }
    lines.push(
      `  load at the end ${loadavg()
        .map(l => l.toFixed(1))
        .join(' ')}`
    )
    process.stdout.write(lines.join('\n') + '\n')
  } finally {
    await run('docker', ['buildx', 'rm', BUILDER]).catch(() => {})
    process.kill(registry.pid, 'SIGTERM')
    await waitFor('bench registry to stop', () => !isAlive(registry.pid), 10000).catch(() => {})
    rmSync(registryConf, { force: true })
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
