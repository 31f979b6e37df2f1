import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'

// In a child process with a time limit: the deadlock this guards against would hang jest itself.
const KEYS = resolve('__tests__/support/sigstore-keys.mjs')
const EXPORT_AS_MOCK_DOES = `
const { sigstoreKeyPair } = await import(${JSON.stringify(KEYS)})
for (let i = 0; i < 12000; i++) {
  const { privateKey, publicKey } = sigstoreKeyPair()
  privateKey.export({ format: 'jwk' })
  publicKey.export({ format: 'jwk' })
}
console.log('exported')
`

describe('the Sigstore stand-in key pairs', () => {
  it('export as JWK (as @sigstore/mock does) over and over without deadlocking in the GC', () => {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', EXPORT_AS_MOCK_DOES], {
      encoding: 'utf8',
      timeout: 60000,
      killSignal: 'SIGKILL'
    })
    expect(child.signal).toBeNull()
    expect(child.stdout.trim()).toBe('exported')
  }, 90000)
})
