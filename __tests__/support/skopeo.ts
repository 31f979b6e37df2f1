import { execFileSync } from 'node:child_process'

/** skopeo, a registry client we did not write, to check what the registry really holds. */
export function skopeoRaw(ref: string): { body: string; json: Record<string, unknown> } {
  const body = execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${ref}`], {
    encoding: 'utf8'
  })
  return { body, json: JSON.parse(body) as Record<string, unknown> }
}

export function skopeoInspect(ref: string, extra: string[] = []): Record<string, unknown> {
  const out = execFileSync('skopeo', ['inspect', '--tls-verify=false', ...extra, `docker://${ref}`], {
    encoding: 'utf8'
  })
  return JSON.parse(out) as Record<string, unknown>
}

/** The config blob of a manifest, as skopeo reads it. */
export function skopeoConfig(ref: string): { config?: { Labels?: Record<string, string> } } {
  const out = execFileSync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${ref}`], {
    encoding: 'utf8'
  })
  return JSON.parse(out) as { config?: { Labels?: Record<string, string> } }
}
