#!/usr/bin/env node
// The project's real test environment, on loopback only:
//   node scripts/testenv.mjs up     install what is missing, register binfmt, start a Distribution
//                                   registry and dockerd, push a busybox base index, build the pinned Go
//                                   tools and start buildkitd as the current buildx builder (see
//                                   testenv-buildkit.mjs); prints the state
//   node scripts/testenv.mjs down   stop what `up` started (by pid)
//   node scripts/testenv.mjs status print the state (exit 1 when not up)
// Idempotent: `up` on a machine already set up reuses what is running. State: .testenv/state.json.
import { execFileSync, spawn } from 'node:child_process'
import {
  existsSync,
  mkdirSync,
  readFileSync,
  writeFileSync,
  readdirSync,
  copyFileSync,
  rmSync,
  openSync
} from 'node:fs'
import { createServer, connect } from 'node:net'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensureSyft, goBinDir } from './go-tools.mjs'
import { startBuildkit, unregisterBuilder } from './testenv-buildkit.mjs'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const STATE_DIR = process.env.PUBLISH_IMAGE_TESTENV_DIR || join(ROOT, '.testenv')
const STATE_FILE = join(STATE_DIR, 'state.json')
export const BASE_IMAGE_REPO = 'base/busybox'
const APT_PACKAGES = [
  'docker.io',
  'docker-registry',
  'buildah',
  'skopeo',
  'qemu-user-static',
  'binfmt-support',
  'busybox-static',
  'apache2-utils',
  'openssl',
  'jq'
]

const log = msg => process.stderr.write(`[testenv] ${msg}\n`)

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts })
}

function tryRun(cmd, args, opts = {}) {
  try {
    return { ok: true, out: run(cmd, args, opts) }
  } catch (err) {
    return { ok: false, out: String(err.stdout ?? ''), err: String(err.stderr ?? err.message) }
  }
}

function isInstalled(pkg) {
  const r = tryRun('dpkg-query', ['-W', '-f=${Status}', pkg])
  return r.ok && r.out.includes('install ok installed')
}

/** Whether a docker engine is installed some other way (a GitHub runner has Docker's own packages). */
function hasDockerEngine() {
  return tryRun('dockerd', ['--version']).ok
}

export function ensurePackages() {
  const wanted = hasDockerEngine() ? APT_PACKAGES.filter(p => p !== 'docker.io') : APT_PACKAGES
  const missing = wanted.filter(p => !isInstalled(p))
  if (missing.length === 0) return
  log(`apt-get install ${missing.join(' ')}`)
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  run('apt-get', ['update', '-qq'], { env, stdio: 'inherit' })
  run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: 'inherit' })
}

export function ensureBinfmt() {
  const dir = '/proc/sys/fs/binfmt_misc'
  if (!existsSync(join(dir, 'register'))) {
    log('mounting binfmt_misc')
    run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', dir])
  }
  if (!existsSync(join(dir, 'qemu-aarch64'))) {
    log('update-binfmts --enable')
    tryRun('update-binfmts', ['--enable'])
  }
  if (!existsSync(join(dir, 'qemu-aarch64'))) throw new Error('binfmt handler qemu-aarch64 is not registered')
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address()
      srv.close(() => resolvePort(port))
    })
  })
}

export function isAlive(pid) {
  if (!pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

export async function waitFor(what, check, timeoutMs = 60000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await check()) return
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise(r => setTimeout(r, 200))
  }
}

function tcpOpen(host, port) {
  return new Promise(res => {
    const s = connect({ host, port }, () => {
      s.end()
      res(true)
    })
    s.on('error', () => res(false))
  })
}

/** Starts a detached process whose output goes to logFile; returns its pid. */
export function startDaemon(cmd, args, logFile) {
  const out = openLog(logFile)
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', out, out] })
  child.unref()
  return child.pid
}

function openLog(file) {
  mkdirSync(dirname(file), { recursive: true })
  return openSync(file, 'a')
}

/**
 * Starts Distribution (`docker-registry serve`) on a free loopback port.
 * `extraConfig` is YAML appended to the generated config (auth, tls…); `port` may be fixed.
 */
export async function startRegistry({ dir, extraConfig = '', port, tls = false }) {
  port = port ?? (await freePort())
  mkdirSync(join(dir, 'storage'), { recursive: true })
  const config = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'storage')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    extraConfig
  ].join('\n')
  writeFileSync(join(dir, 'config.yml'), config + '\n')
  const pid = startDaemon('docker-registry', ['serve', join(dir, 'config.yml')], join(dir, 'registry.log'))
  await waitFor(`registry on 127.0.0.1:${port}`, async () => {
    if (!isAlive(pid)) throw new Error(readFileSync(join(dir, 'registry.log'), 'utf8'))
    return tcpOpen('127.0.0.1', port)
  })
  if (!tls)
    await waitFor('registry /v2/', async () => (await fetch(`http://127.0.0.1:${port}/v2/`)).status < 500)
  return { pid, host: `127.0.0.1:${port}`, port, dir }
}

export async function startDockerd(dir) {
  mkdirSync(dir, { recursive: true })
  const socket = join(dir, 'docker.sock')
  const args = [
    '--bridge=none',
    '--iptables=false',
    '--ip6tables=false',
    '--ip-masq=false',
    `--data-root=${join(dir, 'data')}`,
    `--exec-root=${join(dir, 'exec')}`,
    `--pidfile=${join(dir, 'dockerd.pid')}`,
    `-H`,
    `unix://${socket}`
  ]
  const pid = startDaemon('dockerd', args, join(dir, 'dockerd.log'))
  const host = `unix://${socket}`
  await waitFor(
    'dockerd',
    () => {
      if (!isAlive(pid)) throw new Error(readFileSync(join(dir, 'dockerd.log'), 'utf8'))
      return tryRun('/usr/bin/docker', ['-H', host, 'version']).ok
    },
    90000
  )
  return { pid, host }
}

/** Lets buildah/skopeo/podman talk plain HTTP to this loopback registry. */
export function trustLoopbackRegistry(host) {
  const dir = '/etc/containers/registries.conf.d'
  mkdirSync(dir, { recursive: true })
  const file = join(dir, `publish-image-test-${host.replace(/[^0-9a-z]/gi, '-')}.conf`)
  writeFileSync(file, `[[registry]]\nlocation = "${host}"\ninsecure = true\n`)
  return file
}

/**
 * Gives buildah's RUN steps the host's network namespace, as the test buildkitd has. buildah's default,
 * a CNI bridge, would create an interface and a private-range network on this machine, which the tests
 * must never do. A drop-in, so that the buildah the action runs and the one the tests and bench run
 * directly behave alike.
 */
export function hostNetworkForBuildah() {
  const dir = '/etc/containers/containers.conf.d'
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'publish-image-test-host-network.conf')
  writeFileSync(file, '[containers]\nnetns = "host"\n')
  return file
}

function busyboxFor(arch, workDir) {
  if (arch === 'amd64') return '/bin/busybox'
  const out = join(workDir, `busybox-${arch}`)
  if (existsSync(out)) return out
  const debDir = join(workDir, `deb-${arch}`)
  mkdirSync(debDir, { recursive: true })
  let r = tryRun('apt-get', ['download', `busybox-static:${arch}`], { cwd: debDir })
  if (!r.ok) {
    log(`adding dpkg architecture ${arch}`)
    run('dpkg', ['--add-architecture', arch])
    run('apt-get', ['update', '-qq'], { stdio: 'inherit' })
    run('apt-get', ['download', `busybox-static:${arch}`], { cwd: debDir })
  }
  const deb = readdirSync(debDir).find(f => f.endsWith('.deb'))
  run('dpkg-deb', ['-x', join(debDir, deb), join(debDir, 'root')])
  copyFileSync(join(debDir, 'root', 'bin', 'busybox'), out)
  return out
}

/** Builds a tiny busybox base for linux/amd64 and linux/arm64 and pushes it as an OCI index. */
export function pushBaseImage(registryHost, workDir) {
  const ctx = join(workDir, 'base-context')
  mkdirSync(ctx, { recursive: true })
  for (const arch of ['amd64', 'arm64']) copyFileSync(busyboxFor(arch, workDir), join(ctx, `busybox-${arch}`))
  writeFileSync(
    join(ctx, 'Dockerfile'),
    [
      'FROM scratch',
      'ARG TARGETARCH',
      'COPY busybox-${TARGETARCH} /bin/busybox',
      'COPY busybox-${TARGETARCH} /bin/sh',
      'ENV PATH=/bin',
      'CMD ["/bin/sh"]',
      ''
    ].join('\n')
  )
  const ref = `${registryHost}/${BASE_IMAGE_REPO}:latest`
  const list = 'publish-image-testenv-base'
  tryRun('buildah', ['manifest', 'rm', list])
  run('buildah', ['build', '--quiet', '--manifest', list, '--platform', 'linux/amd64,linux/arm64', ctx])
  run('buildah', [
    'manifest',
    'push',
    '--all',
    '--format',
    'oci',
    '--tls-verify=false',
    list,
    `docker://${ref}`
  ])
  tryRun('buildah', ['manifest', 'rm', list])
  return ref
}

export function readState() {
  if (!existsSync(STATE_FILE)) return undefined
  return JSON.parse(readFileSync(STATE_FILE, 'utf8'))
}

function stateIsLive(state) {
  return (
    state &&
    isAlive(state.registry?.pid) &&
    isAlive(state.dockerd?.pid) &&
    isAlive(state.buildkit?.pid) &&
    existsSync(state.containersConf ?? '') &&
    // a new pin of the Go tools means a new buildkitd and plugin
    state.buildkit.binDir === goBinDir()
  )
}

export async function up() {
  // syft (src/sbom's scanner) runs no daemon: built (once per pin) and handed to the tests, not to the state.
  const syftBin = ensureSyft()
  const existing = readState()
  if (stateIsLive(existing)) {
    log(`already up: registry ${existing.registry.host}, dockerd ${existing.dockerd.host}`)
    return { ...existing, syftBin, reused: true }
  }
  if (existing) await down()
  ensurePackages()
  ensureBinfmt()
  mkdirSync(STATE_DIR, { recursive: true })
  const registry = await startRegistry({ dir: join(STATE_DIR, 'registry') })
  const confFile = trustLoopbackRegistry(registry.host)
  const state = {
    registry,
    registriesConf: confFile,
    containersConf: hostNetworkForBuildah(),
    dockerd: undefined,
    baseImage: undefined
  }
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2))
  state.dockerd = await startDockerd(join(STATE_DIR, 'docker'))
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2))
  state.baseImage = pushBaseImage(registry.host, join(STATE_DIR, 'base'))
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2))
  state.buildkit = await startBuildkit({
    stateDir: STATE_DIR,
    registryHost: registry.host,
    startDaemon,
    waitFor,
    isAlive
  })
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2))
  log(
    `up: registry ${registry.host}, dockerd ${state.dockerd.host}, base ${state.baseImage}, buildx builder ${state.buildkit.builder}`
  )
  return { ...state, syftBin, reused: false }
}

async function stopPid(pid, what) {
  if (!isAlive(pid)) return
  log(`stopping ${what} (pid ${pid})`)
  process.kill(pid, 'SIGTERM')
  try {
    await waitFor(`${what} to exit`, () => !isAlive(pid), 20000)
  } catch {
    process.kill(pid, 'SIGKILL')
  }
}

export async function down() {
  const state = readState()
  if (!state) return
  if (state.buildkit) unregisterBuilder()
  await stopPid(state.buildkit?.pid, 'buildkitd')
  await stopPid(state.dockerd?.pid, 'dockerd')
  await stopPid(state.registry?.pid, 'registry')
  if (state.registriesConf) rmSync(state.registriesConf, { force: true })
  if (state.containersConf) rmSync(state.containersConf, { force: true })
  rmSync(STATE_FILE, { force: true })
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) {
  const cmd = process.argv[2]
  if (cmd === 'up') {
    const state = await up()
    process.stdout.write(JSON.stringify(state, null, 2) + '\n')
  } else if (cmd === 'down') {
    await down()
  } else if (cmd === 'status') {
    const state = readState()
    process.stdout.write(JSON.stringify(state ?? null, null, 2) + '\n')
    process.exit(stateIsLive(state) ? 0 : 1)
  } else {
    process.stderr.write('usage: testenv.mjs up|down|status\n')
    process.exit(2)
  }
}
