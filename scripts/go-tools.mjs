#!/usr/bin/env node
// Builds the pinned Go tools of the test environment from scripts/go-tools/ (a tools module):
//   buildx (docker CLI plugin), buildkitd + buildctl (BuildKit), crane (independent registry client).
// Binaries go to ~/.cache/publish-image/go-bin/<sha256 of go.mod + go.sum>/ and are rebuilt only when
// the pin changes (a cold build takes minutes on 2 cores; a warm one is a directory check).
//   node scripts/go-tools.mjs          build if needed, print the bin directory
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
export const TOOLS_MODULE = join(ROOT, 'scripts', 'go-tools')
const CACHE_ROOT =
  process.env.PUBLISH_IMAGE_GO_BIN_CACHE || join(homedir(), '.cache', 'publish-image', 'go-bin')

/** Command name → Go package. */
export const GO_TOOLS = {
  buildx: 'github.com/docker/buildx/cmd/buildx',
  buildkitd: 'github.com/moby/buildkit/cmd/buildkitd',
  buildctl: 'github.com/moby/buildkit/cmd/buildctl',
  crane: 'github.com/google/go-containerregistry/cmd/crane'
}

const log = msg => process.stderr.write(`[go-tools] ${msg}\n`)

/** Module → the variable its commands print as their version (the release builds set it with -X). */
const VERSION_VARIABLES = {
  'github.com/docker/buildx': 'github.com/docker/buildx/version.Version',
  'github.com/moby/buildkit': 'github.com/moby/buildkit/version.Version',
  'github.com/google/go-containerregistry': 'github.com/google/go-containerregistry/cmd/crane/cmd.Version'
}

/** The pinned version of each module, from go.mod's require block. */
export function pinnedVersions() {
  const gomod = readFileSync(join(TOOLS_MODULE, 'go.mod'), 'utf8')
  return Object.fromEntries(
    Object.keys(VERSION_VARIABLES).map(mod => {
      const m = new RegExp(`^\\s*${mod.replace(/[./]/g, '\\$&')}\\s+(v\\S+)`, 'm').exec(gomod)
      if (!m) throw new Error(`scripts/go-tools/go.mod does not require ${mod}`)
      return [mod, m[1]]
    })
  )
}

/** -ldflags stamping each module's version, so `docker buildx version` says v0.38.2, not v0.0.0+unknown. */
function ldflags() {
  const versions = pinnedVersions()
  const stamps = Object.entries(VERSION_VARIABLES).map(([mod, variable]) => `-X ${variable}=${versions[mod]}`)
  return ['-s', '-w', ...stamps].join(' ')
}

/** The cache key: the pin (go.mod), the checksums it resolves to (go.sum) and how we build. */
export function pinHash() {
  const h = createHash('sha256')
  for (const f of ['go.mod', 'go.sum']) h.update(readFileSync(join(TOOLS_MODULE, f)))
  h.update(ldflags())
  return h.digest('hex').slice(0, 16)
}

export function goBinDir() {
  return join(CACHE_ROOT, pinHash())
}

function isComplete(dir) {
  return existsSync(join(dir, '.complete')) && Object.keys(GO_TOOLS).every(n => existsSync(join(dir, n)))
}

/** One `go build` for all tools, so they share one build graph (and both cores). */
function goBuild(outDir) {
  const env = { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-trimpath -buildvcs=false' }
  const started = Date.now()
  const args = ['build', '-ldflags', ldflags(), '-o', outDir + '/', ...Object.values(GO_TOOLS)]
  execFileSync('go', args, {
    cwd: TOOLS_MODULE,
    env,
    stdio: ['ignore', 'inherit', 'inherit']
  })
  log(`built in ${Math.round((Date.now() - started) / 1000)}s`)
}

/** Builds every tool into the pin's directory unless it is already complete; returns the directory. */
export function ensureGoTools() {
  const dir = goBinDir()
  if (isComplete(dir)) return dir
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  log(`building ${Object.keys(GO_TOOLS).join(', ')} into ${dir} (first time for this pin: minutes)`)
  try {
    goBuild(tmp)
    writeFileSync(join(tmp, '.complete'), new Date().toISOString() + '\n')
    rmSync(dir, { recursive: true, force: true })
    renameSync(tmp, dir)
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    throw new Error(
      `building the Go tools failed (go ${goVersion()}); is the Go module proxy reachable? ` +
        `Try: cd scripts/go-tools && go build ./...`,
      { cause: err }
    )
  }
  return dir
}

function goVersion() {
  try {
    return execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
  } catch {
    return 'not found: install Go (https://go.dev/dl) first'
  }
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) process.stdout.write(ensureGoTools() + '\n')
