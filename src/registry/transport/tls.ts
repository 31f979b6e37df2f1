/**
 * The certificate authorities we trust. First Node's own store (its bundle + NODE_EXTRA_CA_CERTS, cheap);
 * for a host whose certificate that store cannot verify, the system store as well (built only then: a
 * context with every system CA costs ~100 ms of CPU).
 */
import { existsSync, readFileSync } from 'node:fs'
import tls from 'node:tls'

const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/cert.pem', // Alpine, macOS
  '/etc/ssl/ca-bundle.pem' // openSUSE
]

/** CAs for the first attempt: undefined means Node's default store (bundle + NODE_EXTRA_CA_CERTS). */
export function defaultCertificates(env: NodeJS.ProcessEnv, extra: string[] = []): string[] | undefined {
  if (extra.length === 0) return undefined
  // Passing `ca` replaces Node's store, NODE_EXTRA_CA_CERTS included, so add them back.
  return [...tls.rootCertificates, ...envCertificates(env), ...extra]
}

/** Node's store plus the system bundle (SSL_CERT_FILE first, as OpenSSL does), or undefined without one. */
export function systemCertificates(env: NodeJS.ProcessEnv, extra: string[] = []): string[] | undefined {
  const system = [env.SSL_CERT_FILE, ...SYSTEM_BUNDLES].find(f => f && existsSync(f))
  if (!system) return undefined
  return [...tls.rootCertificates, readFileSync(system, 'utf8'), ...envCertificates(env), ...extra]
}

function envCertificates(env: NodeJS.ProcessEnv): string[] {
  const file = env.NODE_EXTRA_CA_CERTS
  return file && existsSync(file) ? [readFileSync(file, 'utf8')] : []
}

const CERTIFICATE_ERRORS =
  /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/

/** A certificate problem: the server does speak TLS, so never fall back to plain HTTP. */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && CERTIFICATE_ERRORS.test(code)
}
