#!/usr/bin/env node
// Benchmark of the registry client (not a test): `npm run bench`. `npm run bench -- e2e` runs the
// end-to-end benchmark of the action against buildah instead (scripts/bench-e2e.mjs).
//  1. bundles bench/push.ts with ncc and starts a private Distribution registry on loopback (plain HTTP);
//  2. writes a multi-arch OCI layout: 2 platforms × 3 layers, one of ~100 MB random data;
//  3. pushes it, alternating, BENCH_ROUNDS times (default 5) each: our client, `skopeo copy --all oci:… docker://…`,
//     raw curl POST+PUT of the same blobs (in parallel). Every push goes to a fresh, empty registry on a new
//     port, so no tool can mount or skip blobs pushed before (skopeo remembers blob locations in its cache);
//  4. re-pushes the unchanged image with our client (must upload nothing, ≤ 1 request per blob, manifest and tag);
//  5. pushes a 1 GiB layer from a file and reports the client's peak RSS (target < 200 MB).
// Prints medians and ratios against the targets: ours ≤ 0.8 × skopeo, ≤ 1.2 × raw curl.
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isAlive, startRegistry, waitFor } from './testenv.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 5))
const BIG_LAYER = Number(process.env.BENCH_BIG_LAYER_BYTES ?? 100 * 1024 * 1024)
const RSS_LAYER = Number(process.env.BENCH_RSS_LAYER_BYTES ?? 1024 * 1024 * 1024)
const log = msg => process.stderr.write(`[bench] ${msg}\n`)

function run(cmd, args, opts = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', d => (stdout += d))
    child.stderr.on('data', d => (stderr += d))
    child.on('error', reject)
    child.on('close', code =>
      code === 0
        ? resolvePromise(stdout)
        : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr}`))
    )
  })
}

async function timed(fn) {
  const start = process.hrtime.bigint()
  const result = await fn()
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, result }
}

const median = values => {
  const s = [...values].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

function bundleWorker(work) {
  log('bundling bench/push.ts with ncc')
  const out = join(work, 'worker')
  execFileSync('npx', ['ncc', 'build', join(ROOT, 'bench', 'push.ts'), '-o', out, '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit']
  })
  return join(out, 'index.js')
}

function layoutBlobs(layoutDir) {
  const index = JSON.parse(readFileSync(join(layoutDir, 'index.json'), 'utf8'))
  const blob = d => join(layoutDir, 'blobs', 'sha256', d.slice('sha256:'.length))
  const readJson = d => JSON.parse(readFileSync(blob(d), 'utf8'))
  const rootIndex = readJson(index.manifests[0].digest)
  const blobs = new Map()
  for (const m of rootIndex.manifests) {
    const manifest = readJson(m.digest)
    for (const d of [manifest.config, ...manifest.layers]) blobs.set(d.digest, blob(d.digest))
  }
  return { blobs: [...blobs.entries()], manifests: rootIndex.manifests.length + 1 }
}

/** What the registry itself can ingest: POST + streamed PUT of every blob with curl, all at once. */
function curlPush(host, repo, blobs) {
  const script = [
    'set -e',
    `loc=$(curl -sS -f -X POST -o /dev/null -D - "http://${host}/v2/${repo}/blobs/uploads/" | tr -d '\\r' | sed -n 's/^[Ll]ocation: //p')`,
    'case "$loc" in http*) ;; *) loc="http://' + host + '$loc" ;; esac',
    'curl -sS -f -o /dev/null -X PUT -H "Content-Type: application/octet-stream" -T "$1" "$loc&digest=$2"'
  ].join('\n')
  return Promise.all(blobs.map(([digest, path]) => run('sh', ['-c', script, 'curl-push', path, digest])))
}

async function stopRegistry(registry) {
  if (!isAlive(registry.pid)) return
  process.kill(registry.pid, 'SIGTERM')
  await waitFor('bench registry to stop', () => !isAlive(registry.pid), 10000).catch(() =>
    process.kill(registry.pid, 'SIGKILL')
  )
  rmSync(registry.dir, { recursive: true, force: true })
}

/** Runs `push(host)` against a registry started empty for it, timing the push only. */
async function withFreshRegistry(work, name, push) {
  const registry = await startRegistry({ dir: join(work, `registry-${name}`) })
  running.add(registry)
  try {
    return await push(registry.host)
  } finally {
    running.delete(registry)
    await stopRegistry(registry)
  }
}

const running = new Set()

async function main() {
  const work = mkdtempSync(join(tmpdir(), 'publish-image-bench-'))
  try {
    const worker = bundleWorker(work)
    const layoutDir = join(work, 'layout')
    const spec = {
      refName: 'bench',
      platforms: [
        { os: 'linux', architecture: 'amd64', layers: [BIG_LAYER, 1024 * 1024, 16 * 1024] },
        { os: 'linux', architecture: 'arm64', layers: [4 * 1024 * 1024, 512 * 1024, 16 * 1024] }
      ]
    }
    writeFileSync(join(work, 'spec.json'), JSON.stringify(spec))
    await run(process.execPath, [worker, 'layout', layoutDir, join(work, 'spec.json')])
    const { blobs, manifests } = layoutBlobs(layoutDir)
    log(
      `layout: ${blobs.length} blobs, ${manifests} manifests, largest layer ${BIG_LAYER} bytes; ${ROUNDS} rounds`
    )

    const times = { ours: [], skopeo: [], curl: [] }
    const pushes = {
      ours: host => run(process.execPath, [worker, 'push', layoutDir, `${host}/bench/app:v1`]),
      skopeo: host =>
        run('skopeo', [
          'copy',
          '--all',
          '--quiet',
          '--dest-tls-verify=false',
          `oci:${layoutDir}:bench`,
          `docker://${host}/bench/app:v1`
        ]),
      curl: host => curlPush(host, 'bench/app', blobs)
    }
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [tool, push] of Object.entries(pushes)) {
        const { ms } = await withFreshRegistry(work, `${tool}-${round}`, host => timed(() => push(host)))
        times[tool].push(ms)
      }
      log(
        `round ${round}: ${Object.keys(pushes)
          .map(t => `${t} ${times[t].at(-1).toFixed(0)} ms`)
          .join(', ')}`
      )
    }

    const { again, rss } = await withFreshRegistry(work, 'checks', async host => {
      await run(process.execPath, [worker, 'push', layoutDir, `${host}/bench/app:v1`])
      const again = JSON.parse(
        await run(process.execPath, [worker, 'push', layoutDir, `${host}/bench/app:v1`])
      )
      const big = JSON.parse(
        await run(process.execPath, [worker, 'blob', join(work, 'big'), String(RSS_LAYER)])
      )
      const bigPath = join(work, 'big', 'blobs', 'sha256', big.digest.slice('sha256:'.length))
      const rss = JSON.parse(
        await run(process.execPath, [worker, 'push-blob', bigPath, big.digest, `${host}/bench/big`])
      )
      rmSync(join(work, 'big'), { recursive: true, force: true })
      return { again, rss }
    })
    const uploads = (again.byMethod.POST ?? 0) + (again.byMethod.PUT ?? 0) + (again.byMethod.PATCH ?? 0)
    const perObject = again.requests - 2 // the /v2/ ping, tried over https first on loopback
    const tags = 1 // :v1, whose HEAD tells whether it must move

    const m = { ours: median(times.ours), skopeo: median(times.skopeo), curl: median(times.curl) }
    const lines = [
      '',
      `registry client benchmark (${ROUNDS} rounds, medians, wall time including process start)`,
      `  ours    ${m.ours.toFixed(0).padStart(7)} ms`,
      `  skopeo  ${m.skopeo.toFixed(0).padStart(7)} ms   ours/skopeo = ${(m.ours / m.skopeo).toFixed(2)}  (target ≤ 0.80) ${m.ours <= 0.8 * m.skopeo ? 'OK' : 'MISSED'}`,
      `  curl    ${m.curl.toFixed(0).padStart(7)} ms   ours/curl   = ${(m.ours / m.curl).toFixed(2)}  (target ≤ 1.20) ${m.ours <= 1.2 * m.curl ? 'OK' : 'MISSED'}`,
      `  re-push: ${again.requests} requests (${JSON.stringify(again.byMethod)}), ${uploads} uploads, ${again.bytesSent} bytes sent;` +
        ` ${perObject} for ${blobs.length} blobs + ${manifests} manifests + ${tags} tag ${uploads === 0 && perObject <= blobs.length + manifests + tags ? 'OK' : 'MISSED'}`,
      `  ${RSS_LAYER} byte layer from a file: ${rss.ms} ms, peak RSS ${rss.maxRssMiB} MiB (target < 200 MB) ${rss.maxRssMiB * 1.048576 < 200 ? 'OK' : 'MISSED'}`,
      ''
    ]
    process.stdout.write(lines.join('\n'))
  } finally {
    for (const registry of running) await stopRegistry(registry)
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[2] === 'e2e') await import('./bench-e2e.mjs')
else await main()
