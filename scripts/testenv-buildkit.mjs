// buildx and BuildKit for the test environment, left the way docker/setup-buildx-action leaves a runner:
//   - the pinned buildx (scripts/go-tools.mjs) linked as the docker CLI plugin, so `docker buildx` works;
//   - buildkitd as root on a unix socket under .testenv/buildkit/, OCI worker (runc), host networking (RUN
//     steps need no bridge), plain HTTP to the loopback test registry, qemu binfmt for arm64;
//   - registered as the buildx builder `publish-image-testenv` (remote driver) and made the current one.
// The builder is current for the default docker endpoint only (not --global): with DOCKER_HOST pointing at
// the test dockerd, buildx still uses that engine's own `docker` driver, as the docker builder's tests expect.
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync
} from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { ensureGoTools } from './go-tools.mjs'

export const TESTENV_BUILDER = 'publish-image-testenv'

const log = msg => process.stderr.write(`[testenv] ${msg}\n`)

/** The environment of a plain root shell: no DOCKER_HOST/DOCKER_CONTEXT, so the default endpoint. */
export function defaultDockerEnv() {
  const env = { ...process.env }
  delete env.DOCKER_HOST
  delete env.DOCKER_CONTEXT
  return env
}

function docker(args, opts = {}) {
  return execFileSync('docker', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: defaultDockerEnv(),
    ...opts
  })
}

function dockerConfigDir() {
  return process.env.DOCKER_CONFIG || join(homedir(), '.docker')
}

/**
 * Links the built buildx as ~/.docker/cli-plugins/docker-buildx. A plugin that is not one of ours (a real
 * file, or a link outside our cache) is left alone: the user's buildx is theirs.
 */
export function linkBuildxPlugin(binDir) {
  const plugin = join(dockerConfigDir(), 'cli-plugins', 'docker-buildx')
  const target = join(binDir, 'buildx')
  mkdirSync(dirname(plugin), { recursive: true })
  const current = lstatOrUndefined(plugin)
  if (current && !current.isSymbolicLink()) {
    log(`keeping the existing buildx plugin ${plugin} (not a link to the pinned build)`)
    return plugin
  }
  if (current) {
    const linked = readlinkSync(plugin)
    if (linked === target) return plugin
    if (!linked.includes(join('publish-image', 'go-bin'))) {
      log(`keeping the existing buildx plugin link ${plugin} → ${linked}`)
      return plugin
    }
    rmSync(plugin)
  }
  symlinkSync(target, plugin)
  log(`linked ${plugin} → ${target}`)
  return plugin
}

function lstatOrUndefined(path) {
  try {
    return lstatSync(path)
  } catch {
    return undefined
  }
}

/** buildkitd.toml: OCI worker only, host networking, both test platforms, plain HTTP to `registryHost`. */
export function buildkitdConfig({ dir, socket, registryHost }) {
  return [
    `root = ${JSON.stringify(join(dir, 'root'))}`,
    '',
    '[grpc]',
    `  address = [${JSON.stringify(`unix://${socket}`)}]`,
    '',
    '[worker.oci]',
    '  enabled = true',
    '  networkMode = "host"',
    '  platforms = ["linux/amd64", "linux/arm64"]',
    '  gc = true',
    '  gckeepstorage = "4GB"',
    '',
    '[worker.containerd]',
    '  enabled = false',
    '',
    `[registry.${JSON.stringify(registryHost)}]`,
    '  http = true',
    '  insecure = true',
    ''
  ].join('\n')
}

/**
 * Builds the Go tools if needed, links the plugin, starts buildkitd and registers the builder.
 * `startDaemon`/`waitFor`/`isAlive` come from testenv.mjs. Returns the state to keep.
 */
export async function startBuildkit({ stateDir, registryHost, startDaemon, waitFor, isAlive }) {
  const binDir = ensureGoTools()
  const plugin = linkBuildxPlugin(binDir)
  const dir = join(stateDir, 'buildkit')
  mkdirSync(dir, { recursive: true })
  const socket = join(dir, 'buildkitd.sock')
  rmSync(socket, { force: true })
  const config = join(dir, 'buildkitd.toml')
  writeFileSync(config, buildkitdConfig({ dir, socket, registryHost }))
  const logFile = join(dir, 'buildkitd.log')
  // The entitlements a build may ask for with `allow` (the allow input's test); without it, none.
  const args = [
    '--config',
    config,
    '--oci-worker-net=host',
    '--allow-insecure-entitlement=network.host',
    '--allow-insecure-entitlement=security.insecure'
  ]
  const pid = startDaemon(join(binDir, 'buildkitd'), args, logFile)
  const buildctl = join(binDir, 'buildctl')
  await waitFor(
    'buildkitd',
    () => {
      if (!isAlive(pid)) throw new Error(`buildkitd exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`)
      execFileSync(buildctl, ['--addr', `unix://${socket}`, 'debug', 'workers'], { stdio: 'ignore' })
      return true
    },
    60000
  )
  registerBuilder(socket)
  log(`buildkitd on unix://${socket} (pid ${pid}), builder ${TESTENV_BUILDER} is current`)
  return { pid, socket, builder: TESTENV_BUILDER, plugin, binDir, dir }
}

/** `docker buildx create --driver remote … --use`, replacing a stale registration of the same name. */
function registerBuilder(socket) {
  try {
    docker(['buildx', 'rm', TESTENV_BUILDER])
  } catch {
    // not registered yet
  }
  docker(['buildx', 'create', '--name', TESTENV_BUILDER, '--driver', 'remote', `unix://${socket}`, '--use'])
  // buildx keeps one `current` record: any command run with another DOCKER_HOST resets it. The default
  // (per endpoint) survives that, so the builder stays current for the default endpoint.
  docker(['buildx', 'use', '--default', TESTENV_BUILDER])
  docker(['buildx', 'inspect', '--bootstrap', TESTENV_BUILDER])
}

/** Unregisters the builder (so `docker buildx` falls back to the engine's) once buildkitd is stopped. */
export function unregisterBuilder() {
  try {
    docker(['buildx', 'rm', TESTENV_BUILDER])
  } catch (err) {
    if (!String(err.stderr ?? '').includes('no builder'))
      log(`docker buildx rm: ${err.stderr ?? err.message}`)
  }
}

export function buildkitIsUp(state) {
  return Boolean(state?.socket && existsSync(state.socket))
}
