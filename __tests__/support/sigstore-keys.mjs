// P-256 key pairs for the Sigstore stand-in (see sigstore.ts).
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto'

/**
 * A new P-256 key pair whose KeyObjects were made from its PEM, not by the key generation itself.
 * @sigstore/mock exports the keys as JWK. On Node 20, exporting as JWK a key that
 * `generateKeyPairSync` returned can deadlock: the export holds the key's mutex while it builds the JWK
 * object. That build can start a GC, and the GC finalises the spent generation job, which takes the
 * same mutex. A jest run hung there (gdb: ExportJWKEcKey → GC → ~KeyGenJob → uv_mutex_lock).
 */
export function sigstoreKeyPair() {
  const { privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' }
  })
  const key = createPrivateKey(privateKey)
  return { privateKey: key, publicKey: createPublicKey(key) }
}
