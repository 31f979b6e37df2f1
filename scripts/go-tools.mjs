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

/** The cache key: the pin (go.mod) and the checksums of everything it resolves to (go.sum). */
export function pinHash() {
  const h = createHash('sha256')
  for (const f of ['go.mod', 'go.sum']) h.update(readFileSync(join(TOOLS_MODULE, f)))
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
  execFileSync('go', ['build', '-o', outDir + '/', ...Object.values(GO_TOOLS)], {
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
