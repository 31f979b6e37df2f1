import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { secretEnvValue } from './options/secrets.js'
import type { SecretSpec } from './types.js'

/**
 * For builders that cannot read a secret from the environment: writes each env= secret to a 0600 file
 * in `dir` (a private dir the caller deletes after the build) and points the spec at it.
 */
export async function envSecretsToFiles(
  secrets: SecretSpec[],
  dir: string,
  env: Record<string, string | undefined> = {}
): Promise<SecretSpec[]> {
  if (!secrets.some(s => s.env)) return secrets
  await mkdir(dir, { recursive: true, mode: 0o700 })
  return Promise.all(
    secrets.map(async s => {
      if (!s.env) return s
      const value = secretEnvValue(s, env)
      if (!value) throw new Error(`secret '${s.id}': the environment variable ${s.env} is not set`)
      const src = join(dir, s.id)
      await writeFile(src, value, { mode: 0o600 })
      return { id: s.id, src }
    })
  )
}
