import { InputError } from '../../inputs/errors.js'

export interface Platform {
  os: string
  architecture: string
  variant?: string
}

const KNOWN_OS = new Set([
  'linux',
  'windows',
  'darwin',
  'freebsd',
  'netbsd',
  'openbsd',
  'illumos',
  'solaris',
  'aix'
])
const KNOWN_ARCH = new Set([
  'amd64',
  'arm64',
  'arm',
  '386',
  'ppc64le',
  'ppc64',
  's390x',
  'riscv64',
  'mips64le',
  'mips64',
  'mipsle',
  'mips',
  'loong64',
  'wasm'
])
const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  i386: '386',
  i686: '386',
  armhf: 'arm',
  armel: 'arm'
}

/** Splits `platforms` lines (newline- or comma-separated), normalises and de-duplicates them. */
export function parsePlatforms(lines: string[]): string[] {
  const entries = lines.flatMap(line => line.split(/[,\s]+/)).filter(e => e.length > 0)
  return [...new Set(entries.map(normalizePlatform))]
}

/** `linux/aarch64` → `linux/arm64`, `linux/arm` → `linux/arm/v7`; throws InputError('platforms') on garbage. */
export function normalizePlatform(entry: string): string {
  return formatPlatform(parsePlatform(entry))
}

export function parsePlatform(entry: string): Platform {
  const parts = entry.trim().toLowerCase().split('/')
  const [os, rawArch, rawVariant, ...rest] = parts
  if (!os || !rawArch || rest.length > 0 || parts.some(p => p === '')) throw badPlatform(entry)
  const architecture = ARCH_ALIASES[rawArch] ?? rawArch
  if (!KNOWN_OS.has(os)) throw badPlatform(entry, `unknown operating system '${os}'`)
  if (!KNOWN_ARCH.has(architecture)) throw badPlatform(entry, `unknown architecture '${rawArch}'`)
  if (rawVariant !== undefined && !/^v\d+(\.\d+)?$/.test(rawVariant)) {
    throw badPlatform(entry, `unknown variant '${rawVariant}'`)
  }
  const variant = normalizeVariant(architecture, rawVariant ?? defaultVariant(rawArch))
  return variant ? { os, architecture, variant } : { os, architecture }
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/')
}

/** Whether an image's platform (as in its config) satisfies a requested one. */
export function samePlatform(a: Platform, b: Platform): boolean {
  return formatPlatform(canonical(a)) === formatPlatform(canonical(b))
}

function canonical(p: Platform): Platform {
  const variant = normalizeVariant(p.architecture, p.variant)
  return variant
    ? { os: p.os, architecture: p.architecture, variant }
    : { os: p.os, architecture: p.architecture }
}

function defaultVariant(rawArch: string): string | undefined {
  if (rawArch === 'armel') return 'v6'
  return undefined
}

/** The OCI conventions: arm64 is v8 unless said otherwise, 32-bit arm defaults to v7. */
function normalizeVariant(architecture: string, variant: string | undefined): string | undefined {
  if (architecture === 'arm64' && (variant === undefined || variant === 'v8')) return undefined
  if (architecture === 'arm') return variant ?? 'v7'
  if (architecture === 'amd64' && variant === 'v1') return undefined
  return variant
}

function badPlatform(entry: string, why?: string): InputError {
  const detail = why ? `${why}; ` : ''
  return new InputError(
    'platforms',
    `'${entry}' is not a platform: ${detail}expected os/arch[/variant], e.g. linux/amd64, linux/arm64 or linux/arm/v7`
  )
}

/** The platform Go (and so every builder) calls this host, e.g. `amd64` for Node's `x64`. */
export function hostArchitecture(nodeArch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', ppc64: 'ppc64le', mipsel: 'mipsle' }
  return map[nodeArch] ?? nodeArch
}
