import { extraFlags } from './options/extras.js'
import type { BuildRequest, SecretSpec } from './types.js'

/** Flags every builder spells the same way. */
export function commonBuildFlags(req: BuildRequest): string[] {
  return [
    '--file',
    req.file,
    ...req.buildArgs.flatMap(arg => ['--build-arg', arg]),
    ...Object.entries(req.labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]),
    ...(req.target ? ['--target', req.target] : []),
    ...(req.noCache ? ['--no-cache'] : []),
    ...(req.network ? ['--network', req.network] : []),
    // validateExtras has turned away what the selected builder cannot do
    ...(req.extras ? extraFlags(req.extras) : [])
  ]
}

/**
 * `--secret` flags naming where a value lives, never the value. `envSupported: false` is for builders that
 * read only files: env= secrets must have been written to files first (see envSecretsToFiles).
 */
export function secretFlags(secrets: SecretSpec[], envSupported: boolean): string[] {
  return secrets.flatMap(s => {
    if (s.src) return ['--secret', `id=${s.id},src=${s.src}`]
    if (!envSupported) throw new Error(`secret '${s.id}' comes from env=, which this builder cannot read`)
    return ['--secret', `id=${s.id},env=${s.env}`]
  })
}
