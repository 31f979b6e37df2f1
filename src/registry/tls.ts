/** The certificate authorities we trust: Node's bundle, the system store, NODE_EXTRA_CA_CERTS and explicit ones. */
import { existsSync, readFileSync } from 'node:fs'
import tls from 'node:tls'

const SYSTEM_BUNDLES = [
  '/etc/ssl/certs/ca-certificates.crt', // Debian, Ubuntu
  '/etc/pki/tls/certs/ca-bundle.crt', // Fedora, RHEL
  '/etc/ssl/cert.pem', // Alpine, macOS
  '/etc/ssl/ca-bundle.pem' // openSUSE
]

export function trustedCertificates(env: NodeJS.ProcessEnv, extra: string[] = []): string[] {
  const certs = [...tls.rootCertificates]
  const system = SYSTEM_BUNDLES.find(existsSync)
  if (system) certs.push(readFileSync(system, 'utf8'))
  // Passing `ca` replaces Node's store, NODE_EXTRA_CA_CERTS included, so read that file ourselves too.
  const extraFile = env.NODE_EXTRA_CA_CERTS
  if (extraFile && existsSync(extraFile)) certs.push(readFileSync(extraFile, 'utf8'))
  return [...certs, ...extra]
}

const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS_CERT_ALTNAME_INVALID|HOSTNAME_MISMATCH/

/** A certificate problem: the server does speak TLS, so never fall back to plain HTTP. */
export function isCertificateError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code
  return typeof code === 'string' && CERTIFICATE_ERRORS.test(code)
}
