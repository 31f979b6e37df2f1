/** Small things the registry tests share. */
import { randomBytes } from 'node:crypto'
import type { ClientOptions, Descriptor, Logger, RequestRecord } from '../../../src/registry/index.js'
import { RegistryClient, sha256Digest } from '../../../src/registry/index.js'

export interface CapturingLogger extends Logger {
  lines: string[]
  text(): string
}

export function capturingLogger(): CapturingLogger {
  const lines: string[] = []
  const push = (level: string) => (msg: string) => void lines.push(`${level}: ${msg}`)
  return {
    lines,
    debug: push('debug'),
    info: push('info'),
    warning: push('warn'),
    text: () => lines.join('\n')
  }
}

export interface RecordingClient {
  client: RegistryClient
  requests: RequestRecord[]
  secrets: string[]
  logger: CapturingLogger
  count(method: string, path?: RegExp): number
}

/** A client that records every exchange, secret and log line; fast backoff unless overridden. */
export function recordingClient(opts: ClientOptions = {}): RecordingClient {
  const requests: RequestRecord[] = []
  const secrets: string[] = []
  const logger = capturingLogger()
  const client = new RegistryClient({
    backoff: { initialMs: 20, maxMs: 200 },
    logger,
    onRequest: r => requests.push(r),
    onSecret: s => secrets.push(s),
    ...opts
  })
  const count = (method: string, path?: RegExp): number =>
    requests.filter(r => r.method === method && (!path || path.test(r.url))).length
  return { client, requests, secrets, logger, count }
}

export function layerOf(data: Uint8Array, mediaType = 'application/vnd.oci.image.layer.v1.tar'): Descriptor {
  return { mediaType, digest: sha256Digest(data), size: data.byteLength }
}

export function randomLayer(size: number): { data: Buffer; desc: Descriptor } {
  const data = randomBytes(size)
  return { data, desc: layerOf(data) }
}

/** A one-layer OCI image manifest for a config and layers already pushed. */
export function imageManifest(config: Descriptor, layers: Descriptor[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config,
      layers
    })
  )
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json'
