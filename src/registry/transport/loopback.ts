import { isIP } from 'node:net'

/** localhost, 127.0.0.0/8 and ::1: the only hosts we may talk plain HTTP to. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  if (isIP(host) === 4) return host.startsWith('127.')
  return isIP(host) === 6 && (host === '::1' || host === '0:0:0:0:0:0:0:1')
}

/** `127.0.0.1:5000` → `127.0.0.1`; `[::1]:5000` → `::1`. */
export function hostnameOf(hostAndPort: string): string {
  const bracket = /^\[([^\]]+)\]/.exec(hostAndPort)
  if (bracket) return bracket[1]!
  return hostAndPort.split(':')[0]!
}
