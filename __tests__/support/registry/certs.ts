/** A throwaway CA, a server certificate for 127.0.0.1/localhost and a token-signing certificate (openssl). */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface TestCertificates {
  caCert: string
  serverCert: string
  serverKey: string
  signingCert: string
  signingKey: string
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] })
}

function issue(dir: string, name: string, subject: string, extensions: string): void {
  openssl(dir, [
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    `${name}.key`,
    '-out',
    `${name}.csr`,
    '-subj',
    subject
  ])
  writeFileSync(join(dir, `${name}.ext`), extensions)
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`
  ])
}

export function generateCertificates(dir: string): TestCertificates {
  openssl(dir, [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=publish-image test CA'
  ])
  issue(
    dir,
    'server',
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n'
  )
  issue(dir, 'signing', '/CN=publish-image test token issuer', 'basicConstraints=CA:FALSE\n')
  return {
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    signingCert: join(dir, 'signing.crt'),
    signingKey: join(dir, 'signing.key')
  }
}

/** base64 DER of the first certificate of a PEM file (a JWT `x5c` entry). */
export function pemToDerBase64(pemFile: string): string {
  const pem = readFileSync(pemFile, 'utf8')
  const m = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(pem)
  if (!m) throw new Error(`${pemFile} holds no certificate`)
  return m[1]!.replace(/\s+/g, '')
}
