/**
 * Plain HTTP is for loopback only, decided by address, never by name: `foo.localhost` may resolve anywhere.
 * A name counts as loopback when every address it resolves to is; a plain-HTTP connection may only be
 * opened to a loopback address (the lookup refuses the others, so nothing is sent to them).
 */
import dns from 'node:dns'
import type { LookupAddress, LookupOptions } from 'node:dns'
import { isIP } from 'node:net'

export type LookupFunction = typeof dns.lookup

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x (`::ffff:127.0.0.1`); false for names. */
export function isLoopbackAddress(address: string): boolean {
  const ip = address.replace(/^\[|\]$/g, '').toLowerCase()
  if (isIP(ip) === 4) return ip.startsWith('127.')
  if (isIP(ip) !== 6) return false
  // The URL parser writes IPv6 canonically: `::1`, and `::ffff:7f00:1` for ::ffff:127.0.0.1.
  const canonical = new URL(`http://[${ip}]/`).hostname.slice(1, -1)
  return canonical === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(canonical)
}

/** Every address of `hostname` (an IP literal is its own address). */
export async function resolveAll(hostname: string, lookup: LookupFunction = dns.lookup): Promise<string[]> {
  const host = hostname.replace(/^\[|\]$/g, '')
  if (isIP(host)) return [host]
  const found = await new Promise<LookupAddress[]>((resolve, reject) =>
    lookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)))
  )
  return found.map(a => a.address)
}

/** True when the host is loopback by every address it has (false when it does not resolve). */
export async function resolvesToLoopback(hostname: string, lookup?: LookupFunction): Promise<boolean> {
  const addresses = await resolveAll(hostname, lookup).catch(() => [])
  return addresses.length > 0 && addresses.every(isLoopbackAddress)
}

/** A lookup for plain-HTTP connections that yields loopback addresses only, and fails for any other. */
export function loopbackOnlyLookup(lookup: LookupFunction = dns.lookup): LookupFunction {
  const guarded = (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void
  ): void => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, [])
      const loopback = addresses.filter(a => isLoopbackAddress(a.address))
      if (loopback.length === 0)
        return callback(
          notLoopback(
            hostname,
            addresses.map(a => a.address)
          ),
          []
        )
      if (options.all) return callback(null, loopback)
      callback(null, loopback[0]!.address, loopback[0]!.family)
    })
  }
  return guarded as unknown as LookupFunction
}

export function notLoopback(host: string, addresses: string[]): NodeJS.ErrnoException {
  const err: NodeJS.ErrnoException = new Error(
    `refusing plain HTTP to ${host} (${addresses.join(', ') || 'no address'}): only loopback addresses may be used without TLS`
  )
  err.code = 'ENOTLOOPBACK'
  return err
}

/** `127.0.0.1:5000` → `127.0.0.1`; `[::1]:5000` → `::1`. */
export function hostnameOf(hostAndPort: string): string {
  const bracket = /^\[([^\]]+)\]/.exec(hostAndPort)
  if (bracket) return bracket[1]!
  return hostAndPort.split(':')[0]!
}
