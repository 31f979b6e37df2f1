/**
 * Writes OCI 1.1 referrers (a signature-like artifact with a `subject`) to a plain-HTTP test registry, and
 * where the registry has no referrers API (Distribution 2.8), the `sha256-<hex>` fallback tag's index too.
 */
import { createHash } from 'node:crypto'

const sha = (b: Uint8Array) => `sha256:${createHash('sha256').update(b).digest('hex')}`
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json'
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json'

async function putBlob(base: string, data: Uint8Array): Promise<string> {
  const digest = sha(data)
  const start = await fetch(`${base}/blobs/uploads/`, { method: 'POST' })
  const location = new URL(start.headers.get('location') ?? '', base)
  location.searchParams.set('digest', digest)
  const put = await fetch(location, {
    method: 'PUT',
    body: data,
    headers: { 'content-type': 'application/octet-stream' }
  })
  if (put.status !== 201) throw new Error(`blob PUT ${put.status}: ${await put.text()}`)
  return digest
}

async function putManifest(base: string, ref: string, body: Uint8Array, mediaType: string): Promise<string> {
  const res = await fetch(`${base}/manifests/${ref}`, {
    method: 'PUT',
    body,
    headers: { 'content-type': mediaType }
  })
  if (res.status !== 201) throw new Error(`manifest PUT ${ref} ${res.status}: ${await res.text()}`)
  return sha(body)
}

/** Pushes one referrer of `subject` in `host/path`; returns its digest and the fallback index's, if written. */
export async function pushReferrer(
  repository: string,
  subject: { digest: string; mediaType: string; size: number },
  note: string
): Promise<{ referrer: string; tagIndex?: string }> {
  const [host, ...path] = repository.split('/')
  const base = `http://${host}/v2/${path.join('/')}`
  const config = new TextEncoder().encode('{}')
  const layer = new TextEncoder().encode(note)
  await putBlob(base, config)
  await putBlob(base, layer)
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.test.signature',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha(config), size: config.length },
      layers: [{ mediaType: 'text/plain', digest: sha(layer), size: layer.length }],
      subject
    })
  )
  const referrer = await putManifest(base, sha(manifest), manifest, OCI_MANIFEST)
  const api = await fetch(`${base}/referrers/${subject.digest}`)
  if (api.status === 200) return { referrer }
  const tag = subject.digest.replace(':', '-')
  const existing = await fetch(`${base}/manifests/${tag}`, { headers: { accept: OCI_INDEX } })
  const listed =
    existing.status === 200 ? ((await existing.json()) as { manifests: unknown[] }).manifests : []
  const index = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        ...listed,
        {
          mediaType: OCI_MANIFEST,
          digest: referrer,
          size: manifest.length,
          artifactType: 'application/vnd.test.signature'
        }
      ]
    })
  )
  return { referrer, tagIndex: await putManifest(base, tag, index, OCI_INDEX) }
}

/** Whether the registry still serves `digest` in `host/path` (HEAD by digest). */
export async function manifestExists(repository: string, digest: string): Promise<boolean> {
  const [host, ...path] = repository.split('/')
  const res = await fetch(`http://${host}/v2/${path.join('/')}/manifests/${digest}`, {
    method: 'HEAD',
    headers: { accept: [OCI_INDEX, OCI_MANIFEST].join(', ') }
  })
  return res.status === 200
}
