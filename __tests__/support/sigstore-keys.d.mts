import type { KeyObject } from 'node:crypto'

export function sigstoreKeyPair(): { privateKey: KeyObject; publicKey: KeyObject }
