/** Platforms as `os/arch[/variant]`, with the OCI conventions for defaults (go-containerregistry's platform.go). */
import type { Platform } from './types.js'

/** A string that is not a platform; the message says why and what one looks like. */
export class InvalidPlatformError extends Error {
  constructor(
    readonly entry: string,
    readonly reason?: string
  ) {
    super(
      `'${entry}' is not a platform: ${reason ? `${reason}; ` : ''}expected os/arch[/variant], e.g. linux/amd64, linux/arm64 or linux/arm/v7`
    )
    this.name = 'InvalidPlatformError'
  }
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

/** `linux/aarch64` → linux/arm64, `linux/arm` → linux/arm/v7; throws InvalidPlatformError on garbage. */
export function parsePlatform(entry: string): Platform {
  const parts = entry.trim().toLowerCase().split('/')
  const [os, rawArch, rawVariant, ...rest] = parts
  if (!os || !rawArch || rest.length > 0 || parts.some(p => p === '')) throw new InvalidPlatformError(entry)
  const architecture = ARCH_ALIASES[rawArch] ?? rawArch
  if (!KNOWN_OS.has(os)) throw new InvalidPlatformError(entry, `unknown operating system '${os}'`)
  if (!KNOWN_ARCH.has(architecture))
    throw new InvalidPlatformError(entry, `unknown architecture '${rawArch}'`)
  if (rawVariant !== undefined && !/^v\d+(\.\d+)?$/.test(rawVariant)) {
    throw new InvalidPlatformError(entry, `unknown variant '${rawVariant}'`)
  }
  const variant = normalizeVariant(architecture, rawVariant ?? defaultVariant(rawArch))
  return variant ? { os, architecture, variant } : { os, architecture }
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/')
}

/** Whether two platforms are the same once the OCI defaults apply (arm64 is v8, arm is v7). */
export function samePlatform(a: Platform, b: Platform): boolean {
  return formatPlatform(canonical(a)) === formatPlatform(canonical(b))
}

/** `os/arch[/variant]` with the OCI defaults applied, as the build normalises; unknown ones as they are. */
export function canonicalPlatform(p: Platform): string {
  try {
    return formatPlatform(parsePlatform(formatPlatform(p)))
  } catch {
    return formatPlatform(p)
  }
}

/** Only os, architecture and variant: what an index's descriptors carry. */
export function platformOnly(p: Platform): Platform {
  return p.variant
    ? { architecture: p.architecture, os: p.os, variant: p.variant }
    : { architecture: p.architecture, os: p.os }
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
