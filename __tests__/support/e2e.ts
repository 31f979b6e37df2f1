/**
 * Helpers for the end-to-end tests of dist/index.js: what the registry really holds, read with skopeo
 * (a client we did not write), and the files inside the pushed layers.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'

export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: { os: string; architecture: string; variant?: string }
  annotations?: Record<string, string>
}

export interface Manifest {
  mediaType?: string
  config?: Descriptor
  layers?: Descriptor[]
  manifests?: Descriptor[]
  annotations?: Record<string, string>
}

export interface ImageConfig {
  architecture?: string
  os?: string
  config?: { Labels?: Record<string, string> }
}

export const sha256 = (bytes: string | Uint8Array): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** The exact bytes the registry serves for `ref`, as skopeo fetched them. */
export function rawManifest(ref: string): { body: Buffer; json: Manifest } {
  const body = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`])
  return { body, json: JSON.parse(body.toString('utf8')) as Manifest }
}

/** The config blob of one image manifest (a child digest for an index). */
export function imageConfig(ref: string): ImageConfig {
  const out = execFileSync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${ref}`], {
    encoding: 'utf8'
  })
  return JSON.parse(out) as ImageConfig
}

/** The tags of a repository (`host/path`); undefined when the registry does not know the repository. */
/**
 * The tags of a repository (on the plain-HTTP loopback test registry), or NAME_UNKNOWN when the
 * registry answers that code (Distribution does for a repository that does not exist or holds no tag).
 * Any other answer throws.
 */
export function listTags(repository: string): string[] | 'NAME_UNKNOWN' {
  const slash = repository.indexOf('/')
  const url = `http://${repository.slice(0, slash)}/v2/${repository.slice(slash + 1)}/tags/list`
  const r = spawnSync('curl', ['-s', '--max-time', '20', '-w', '\n%{http_code}', url], { encoding: 'utf8' })
  const lines = r.stdout.trimEnd().split('\n')
  const status = lines.pop()
  const body = JSON.parse(lines.join('\n') || '{}') as { tags?: string[] | null; errors?: { code: string }[] }
  if (status === '200') return body.tags ?? []
  if (status === '404' && body.errors?.[0]?.code === 'NAME_UNKNOWN') return 'NAME_UNKNOWN'
  throw new Error(`GET ${url}: ${status} ${lines.join('\n')}`)
}

/** `key=value` lines of an output, as an object. */
export function keyValues(lines: string | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of (lines ?? '').split('\n')) {
    const at = line.indexOf('=')
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1)
  }
  return out
}

/** The annotations output (`level:key=value`) of one level. */
export function annotationsAt(output: string | undefined, level: string): Record<string, string> {
  const prefix = `${level}:`
  const lines = (output ?? '').split('\n').filter(l => l.startsWith(prefix))
  return keyValues(lines.map(l => l.slice(prefix.length)).join('\n'))
}

export interface PulledImage {
  manifest: Buffer
  config: Buffer
  /** Every layer blob as the registry served it, and uncompressed. */
  layers: { stored: Buffer; tar: Buffer }[]
}

/** Copies one image (one platform) out of the registry with skopeo and reads every blob. */
export async function pullImage(ref: string): Promise<PulledImage> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-pull-'))
  try {
    execFileSync('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${ref}`, `dir:${dir}`])
    const manifest = await readFile(join(dir, 'manifest.json'))
    const json = JSON.parse(manifest.toString('utf8')) as Manifest
    const blob = (d: Descriptor) => readFile(join(dir, d.digest.split(':')[1] ?? ''))
    if (!json.config) throw new Error(`${ref} is not an image manifest`)
    const config = await blob(json.config)
    const layers = await Promise.all(
      (json.layers ?? []).map(async d => {
        const stored = await blob(d)
        expectDigest(stored, d.digest)
        return { stored, tar: isGzip(stored) ? gunzipSync(stored) : stored }
      })
    )
    return { manifest, config, layers }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function expectDigest(bytes: Buffer, digest: string): void {
  if (sha256(bytes) !== digest) throw new Error(`blob ${digest} hashes to ${sha256(bytes)}`)
}

const isGzip = (b: Buffer) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b

/** The regular files of a tar stream, by path without a leading `./` or `/`. */
export function tarFiles(tar: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>()
  let longName: string | undefined
  for (let at = 0; at + 512 <= tar.length;) {
    const header = tar.subarray(at, at + 512)
    if (header.every(b => b === 0)) break
    const field = (from: number, len: number) =>
      header
        .subarray(from, from + len)
        .toString('utf8')
        .replace(/\0.*$/s, '')
    const size = parseInt(field(124, 12).trim() || '0', 8)
    const type = field(156, 1)
    const prefix = field(345, 155)
    const body = tar.subarray(at + 512, at + 512 + size)
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100))
    longName = undefined
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '')
    else if (type === 'x') longName = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString('utf8'))?.[1]
    else if (type === '0' || type === '') files.set(name.replace(/^\.?\//, ''), Buffer.from(body))
    at += 512 + Math.ceil(size / 512) * 512
  }
  return files
}

/** A build context directory holding these files. */
export async function makeContext(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'e2e-context-'))
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text)
  return dir
}

/**
 * Where in a run's log the build command (`$ <path>/<command> …`) starts, the push-access check starts,
 * and the build's log group ends: the check waits for the build to start (so that its TLS set-up does
 * not delay the build), not for it to end.
 */
export function buildThenAccessCheck(
  stdout: string,
  command: string
): { build: number; check: number; buildEnd: number } {
  const escaped = command.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  const build = new RegExp(`^\\$ (\\S*/)?${escaped} `, 'm').exec(stdout)?.index ?? -1
  const buildEnd = build < 0 ? -1 : stdout.indexOf('::endgroup::', build)
  return { build, check: stdout.indexOf('Checking push access to '), buildEnd }
}
