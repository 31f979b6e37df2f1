/** Extra Distribution instances for the registry tests (htpasswd over TLS, token auth), cleaned up by pid. */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isAlive, startRegistry, waitFor } from '../../../scripts/testenv.mjs'
import type { TestCertificates } from './certs.js'
import { generateCertificates } from './certs.js'
import type { TokenServerOptions } from './token-server.js'
import { TokenServer } from './token-server.js'

export interface TestRegistry {
  host: string
  dir: string
  certs: TestCertificates
  stop(): Promise<void>
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `publish-image-${prefix}-`))
}

async function stopProcess(pid: number): Promise<void> {
  if (!isAlive(pid)) return
  process.kill(pid, 'SIGTERM')
  await waitFor(`pid ${pid} to exit`, () => !isAlive(pid), 10_000).catch(() => process.kill(pid, 'SIGKILL'))
}

/** Distribution over TLS (certificate from a fresh CA) with htpasswd Basic auth for `user`. */
export async function startBasicTlsRegistry(user: string, password: string): Promise<TestRegistry> {
  const dir = tempDir('basic-tls')
  const certs = generateCertificates(dir)
  const htpasswd = execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' })
  writeFileSync(join(dir, 'htpasswd'), htpasswd)
  const extraConfig = [
    '  tls:',
    `    certificate: ${certs.serverCert}`,
    `    key: ${certs.serverKey}`,
    'auth:',
    '  htpasswd:',
    '    realm: publish-image-test',
    `    path: ${join(dir, 'htpasswd')}`
  ].join('\n')
  const registry = await startRegistry({ dir, extraConfig, tls: true })
  return {
    host: registry.host,
    dir,
    certs,
    stop: async () => {
      await stopProcess(registry.pid)
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface TokenRegistry extends TestRegistry {
  tokens: TokenServer
}

/** Plain-HTTP Distribution with `auth: token`, trusting a token server of the test suite. */
export async function startTokenRegistry(
  opts: Omit<TokenServerOptions, 'signingCert' | 'signingKey' | 'service' | 'issuer'>
): Promise<TokenRegistry> {
  const dir = tempDir('token')
  const certs = generateCertificates(dir)
  const tokens = new TokenServer({
    ...opts,
    service: 'publish-image-test-registry',
    issuer: 'publish-image-test-issuer',
    signingCert: certs.signingCert,
    signingKey: certs.signingKey
  })
  await tokens.start()
  try {
    const registry = await startRegistry({ dir, extraConfig: tokens.registryConfig(certs.caCert) })
    return {
      host: registry.host,
      dir,
      certs,
      tokens,
      stop: async () => {
        await stopProcess(registry.pid)
        await tokens.stop()
        rmSync(dir, { recursive: true, force: true })
      }
    }
  } catch (err) {
    await tokens.stop()
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}
