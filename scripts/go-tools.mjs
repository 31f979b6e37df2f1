#!/usr/bin/env node
// Builds the pinned Go tools of the test environment, one tools module at a time:
//   scripts/go-tools/       buildx (docker CLI plugin), buildkitd + buildctl (BuildKit), crane (registry client)
//   scripts/go-tools/syft/  syft (the SBOM scanner src/sbom runs)
// Each module's binaries go to ~/.cache/publish-image/go-bin/<sha256 of its go.mod + go.sum + flags>/ and
// are rebuilt only when that module's pin changes (a cold build takes minutes on 2 cores; a warm one is a
// directory check). Separate modules keep a syft pin from forcing a rebuild of buildx and buildkit.
//   node scripts/go-tools.mjs          build what is needed, print the bin directories (main, then syft)
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join, relative, resolve } from 'node:path'
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

/**
 * A tools module: its directory, its commands, the variable each module's commands print as their
 * version (the release builds set it with -X), and the build environment.
 */
const MAIN_MODULE = {
  dir: TOOLS_MODULE,
  tools: GO_TOOLS,
  versionVariables: {
    'github.com/docker/buildx': 'github.com/docker/buildx/version.Version',
    'github.com/moby/buildkit': 'github.com/moby/buildkit/version.Version',
    'github.com/google/go-containerregistry': 'github.com/google/go-containerregistry/cmd/crane/cmd.Version'
  },
  env: { CGO_ENABLED: '0', GOFLAGS: '-trimpath -buildvcs=false' }
}

/**
 * syft builds with Go's default cgo setting and without -trimpath: neither makes it smaller or faster to
 * build, and a build with other flags than a plain `go build` shares nothing with Go's build cache.
 */
export const SYFT_MODULE = {
  dir: join(TOOLS_MODULE, 'syft'),
  tools: { syft: 'github.com/anchore/syft/cmd/syft' },
  versionVariables: { 'github.com/anchore/syft': 'main.version' },
  env: { GOFLAGS: '-buildvcs=false' }
}

const log = msg => process.stderr.write(`[go-tools] ${msg}\n`)

/** The pinned version of each of the module's version-stamped modules, from go.mod's require block. */
export function pinnedVersions(module = MAIN_MODULE) {
  const gomod = readFileSync(join(module.dir, 'go.mod'), 'utf8')
  return Object.fromEntries(
    Object.keys(module.versionVariables).map(mod => {
      const m = new RegExp(`^\\s*(?:require\\s+)?${mod.replace(/[./]/g, '\\$&')}\\s+(v\\S+)`, 'm').exec(gomod)
      if (!m) throw new Error(`${relative(ROOT, module.dir)}/go.mod does not require ${mod}`)
      return [mod, m[1]]
    })
  )
}

/** -ldflags stamping each module's version, so `docker buildx version` says v0.38.2, not v0.0.0+unknown. */
function ldflags(module) {
  const versions = pinnedVersions(module)
  const stamps = Object.entries(module.versionVariables).map(
    ([mod, variable]) => `-X ${variable}=${versions[mod]}`
  )
  return ['-s', '-w', ...stamps].join(' ')
}

/** The cache key: the pin (go.mod), the checksums it resolves to (go.sum) and how we build. */
export function pinHash(module = MAIN_MODULE) {
  const h = createHash('sha256')
  for (const f of ['go.mod', 'go.sum']) h.update(readFileSync(join(module.dir, f)))
  h.update(ldflags(module))
  // The main module's key predates the per-module environment; keep it, so its cache stays warm.
  if (module !== MAIN_MODULE) h.update(JSON.stringify(module.env))
  return h.digest('hex').slice(0, 16)
}

export function goBinDir(module = MAIN_MODULE) {
  return join(CACHE_ROOT, pinHash(module))
}

/** Where the pinned syft is (built or not). */
export function syftBinDir() {
  return goBinDir(SYFT_MODULE)
}

function isComplete(dir, module) {
  return existsSync(join(dir, '.complete')) && Object.keys(module.tools).every(n => existsSync(join(dir, n)))
}

/** One `go build` for all of a module's tools, so they share one build graph (and both cores). */
function goBuild(module, outDir) {
  const env = { ...process.env, ...module.env }
  const started = Date.now()
  const args = ['build', '-ldflags', ldflags(module), '-o', outDir + '/', ...Object.values(module.tools)]
  execFileSync('nice', ['go', ...args], {
    cwd: module.dir,
    env,
    stdio: ['ignore', 'inherit', 'inherit']
  })
  log(`built in ${Math.round((Date.now() - started) / 1000)}s`)
}

/** Builds every tool of `module` into its pin's directory unless it is already complete; returns the directory. */
export function ensureGoTools(module = MAIN_MODULE) {
  const dir = goBinDir(module)
  if (isComplete(dir, module)) return dir
  const tmp = `${dir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  log(`building ${Object.keys(module.tools).join(', ')} into ${dir} (first time for this pin: minutes)`)
  try {
    goBuild(module, tmp)
    writeFileSync(join(tmp, '.complete'), new Date().toISOString() + '\n')
    rmSync(dir, { recursive: true, force: true })
    renameSync(tmp, dir)
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true })
    throw new Error(
      `building the Go tools failed (go ${goVersion()}); is the Go module proxy reachable? ` +
        `Try: cd ${relative(ROOT, module.dir)} && go build ./...`,
      { cause: err }
    )
  }
  return dir
}

/** Builds the pinned syft unless it is built; returns its directory. */
export function ensureSyft() {
  return ensureGoTools(SYFT_MODULE)
}

function goVersion() {
  try {
    return execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
  } catch {
    return 'not found: install Go (https://go.dev/dl) first'
  }
}

const isMain = process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)
if (isMain) process.stdout.write(ensureGoTools() + '\n' + ensureSyft() + '\n')
