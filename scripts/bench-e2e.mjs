// End-to-end benchmark (not a test): `npm run bench -- e2e`. For each image size (BENCH_E2E_SIZES, default
// "64M,1G"), alternating BENCH_ROUNDS rounds (default 3), each into fresh repositories of one registry:
//   action   dist/index.js (builder buildah) publishing `FROM base/busybox` + COPY of a random file;
//   buildah  `buildah build -t … && buildah push …` of the same context.
// Both go through a byte-counting proxy in front of the registry. Prints median wall times and their
// ratio, bytes uploaded, the action's peak RSS, and whether the base layer was mounted. Run `npm run
// build` first (the action is dist/index.js) and `node scripts/testenv.mjs up` (the base image).
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:net'
import { tmpdir, cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { randomFillSync } from 'node:crypto'
import { runAction } from './run-action.mjs'
import { readState, startRegistry, trustLoopbackRegistry, isAlive, waitFor } from './testenv.mjs'

const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3))
const SIZES = (process.env.BENCH_E2E_SIZES ?? '64M,1G').split(',').map(parseSize)
const log = msg => process.stderr.write(`[bench-e2e] ${msg}\n`)

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

/** A TCP proxy in front of the registry that counts the bytes clients send (uploads). */
async function countingProxy(target) {
  const [host, port] = target.split(':')
  const counter = { sent: 0 }
  const server = createServer(client => {
    const upstream = connect(Number(port), host)
    client.on('data', d => (counter.sent += d.length))
    client.pipe(upstream).pipe(client)
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
  })
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve))
  return { host: `127.0.0.1:${server.address().port}`, counter, close: () => server.close() }
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

async function benchSize(size, registryHost, work) {
  const proxy = await countingProxy(registryHost)
  const conf = trustLoopbackRegistry(proxy.host)
  const ctx = join(work, `context-${size}`)
  rmSync(ctx, { recursive: true, force: true })
  await run('mkdir', ['-p', ctx])
  await writeRandomFile(join(ctx, 'data.bin'), size)
  writeFileSync(
    join(ctx, 'Dockerfile'),
    `FROM ${proxy.host}/base/busybox:latest\nRUN echo built > /built.txt\nCOPY data.bin /data.bin\n`
  )
  const results = { action: [], buildah: [] }
  const tools = {
    action: async repo => {
      const done = runAction({
        cwd: ctx,
        post: false,
        inputs: {
          registry: proxy.host,
          images: `${proxy.host}/${repo}`,
          tags: 'type=raw,value=v1',
          builder: 'buildah',
          password: ''
        }
      })
      const [run, rss] = await Promise.all([done, peakRss('dist/index.js', done)])
      if (run.exitCode !== 0) throw new Error(`action failed: ${run.stdout.slice(-3000)}`)
      const summary = /(\d+) uncompressed layers: (\d+) already in the registry/.exec(run.stdout)
      return { rss, baseMounted: summary ? `${summary[2]}/${summary[1]} layers mounted or found` : '?' }
    },
    buildah: async repo => {
      const ref = `${proxy.host}/${repo}:v1`
      await run('buildah', ['build', '--quiet', '-t', ref, ctx])
      await run('buildah', ['push', '--quiet', ref])
      await run('buildah', ['rmi', ref]).catch(() => {})
      return {}
    }
  }
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? ['action', 'buildah'] : ['buildah', 'action']
    for (const tool of order) {
      const repo = `bench/${tool}-${size}-${round}-${Date.now()}`
      const before = proxy.counter.sent
      const { ms, result } = await timed(() => tools[tool](repo))
      results[tool].push({ ms, sent: proxy.counter.sent - before, ...result })
    }
    log(
      `${size} bytes, round ${round}: ` +
        Object.entries(results)
          .map(
            ([t, r]) => `${t} ${r.at(-1).ms.toFixed(0)} ms, ${(r.at(-1).sent / 2 ** 20).toFixed(1)} MiB sent`
          )
          .join('; ')
    )
  }
  proxy.close()
  rmSync(conf, { force: true })
  rmSync(ctx, { recursive: true, force: true })
  return results
}

async function main() {
  const state = readState()
  if (!state?.baseImage)
    throw new Error('run `node scripts/testenv.mjs up` first: the benchmark copies its base image')
  const work = mkdtempSync(join(tmpdir(), 'publish-image-bench-e2e-'))
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
    const lines = [
      '',
      `end-to-end benchmark: ${ROUNDS} alternating rounds, medians; ${cpus().length} CPUs (${cpus()[0]?.model}), load ${loadavg()
        .map(l => l.toFixed(1))
        .join(' ')}`
    ]
    for (const size of SIZES) {
      const r = await benchSize(size, registry.host, work)
      const action = median(r.action.map(x => x.ms))
      const buildah = median(r.buildah.map(x => x.ms))
      const mib = v => (median(v) / 2 ** 20).toFixed(1)
      lines.push(
        `  ${(size / 2 ** 20).toFixed(0)} MiB random layer + busybox base:`,
        `    action (buildah)             ${action.toFixed(0).padStart(7)} ms, ${mib(r.action.map(x => x.sent))} MiB sent, peak RSS ${Math.max(...r.action.map(x => x.rss)).toFixed(0)} MiB, base: ${r.action[0].baseMounted}`,
        `    buildah build && buildah push ${buildah.toFixed(0).padStart(7)} ms, ${mib(r.buildah.map(x => x.sent))} MiB sent`,
        `    action / buildah = ${(action / buildah).toFixed(2)} (target ≤ 1.00) ${action <= buildah ? 'OK' : 'MISSED'}; rounds: ` +
          r.action.map((x, i) => `${x.ms.toFixed(0)}/${r.buildah[i].ms.toFixed(0)}`).join(' ')
      )
    }
    process.stdout.write(lines.join('\n') + '\n')
  } finally {
    process.kill(registry.pid, 'SIGTERM')
    await waitFor('bench registry to stop', () => !isAlive(registry.pid), 10000).catch(() => {})
    rmSync(registryConf, { force: true })
    rmSync(work, { recursive: true, force: true })
  }
}

await main()
