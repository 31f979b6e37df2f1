/**
 * A loopback stand-in for GitHub's Packages REST API whose versions are what the real test registry
 * holds: Distribution's storage (`_manifests/revisions` for versions, `_manifests/tags` for their tags),
 * newest first, 100 per page. DELETE of a version deletes its manifest in the real registry.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { existsSync } from 'node:fs'
import { readdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'

/** Where the test registry keeps its storage (scripts/testenv.mjs's state file). */
async function registryStorage(): Promise<string> {
  const dir = process.env.PUBLISH_IMAGE_TESTENV_DIR || join(process.cwd(), '.testenv')
  const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as { registry: { dir: string } }
  return join(state.registry.dir, 'storage')
}

export interface PackagesStandIn {
  url: string
  requests: { method: string; path: string; query: string }[]
  /** Answer every DELETE with 403 (the repository lacks the Admin role in the package's Actions access). */
  forbidDeletes: boolean
  close(): Promise<void>
}

interface Version {
  id: number
  name: string
  metadata: { package_type: 'container'; container: { tags: string[] } }
  mtime: number
}

const idOf = (digest: string) => parseInt(digest.slice('sha256:'.length, 'sha256:'.length + 12), 16)

async function versionsOf(storage: string, repository: string): Promise<Version[]> {
  const base = join(storage, 'docker/registry/v2/repositories', repository, '_manifests')
  const tagsByDigest = new Map<string, string[]>()
  const tagDir = join(base, 'tags')
  for (const tag of existsSync(tagDir) ? await readdir(tagDir) : []) {
    const link = join(tagDir, tag, 'current/link')
    if (!existsSync(link)) continue
    const digest = (await readFile(link, 'utf8')).trim()
    tagsByDigest.set(digest, [...(tagsByDigest.get(digest) ?? []), tag])
  }
  const revisions = join(base, 'revisions/sha256')
  const versions: Version[] = []
  for (const hex of existsSync(revisions) ? await readdir(revisions) : []) {
    const link = join(revisions, hex, 'link')
    if (!existsSync(link)) continue
    const name = `sha256:${hex}`
    const tags = tagsByDigest.get(name) ?? []
    const mtime = (await stat(link)).mtimeMs
    versions.push({
      id: idOf(name),
      name,
      metadata: { package_type: 'container', container: { tags } },
      mtime
    })
  }
  return versions.sort((a, b) => b.mtime - a.mtime || a.id - b.id)
}

/** Serves `/users/{owner}/packages/container/{name}…` for the repositories `owner/name` of `registry`. */
export async function startPackagesStandIn(registry: string): Promise<PackagesStandIn> {
  const storage = await registryStorage()
  const standIn: PackagesStandIn = { url: '', requests: [], forbidDeletes: false, close: async () => {} }
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in')
    standIn.requests.push({ method: req.method ?? 'GET', path: url.pathname, query: url.search })
    const send = (status: number, body?: unknown) => {
      res.statusCode = status
      res.setHeader('content-type', 'application/json')
      res.end(body === undefined ? '' : JSON.stringify(body))
    }
    const match = /^\/users\/([^/]+)\/packages\/container\/([^/]+)(\/versions(?:\/(\d+))?)?$/.exec(
      url.pathname
    )
    if (!match) return send(404, { message: 'Not Found' })
    const [, owner, encoded, versionsPath, id] = match
    const repository = `${owner}/${decodeURIComponent(encoded ?? '')}`
    void (async () => {
      const versions = await versionsOf(storage, repository)
      if (versions.length === 0) return send(404, { message: 'Package not found.' })
      if (!versionsPath) return send(200, { name: decodeURIComponent(encoded ?? ''), visibility: 'private' })
      if (req.method === 'GET' && !id) {
        const perPage = Number(url.searchParams.get('per_page') ?? 30)
        const page = Number(url.searchParams.get('page') ?? 1)
        return send(
          200,
          versions.slice((page - 1) * perPage, page * perPage).map(({ mtime: _, ...v }) => v)
        )
      }
      if (req.method !== 'DELETE') return send(404, { message: 'Not Found' })
      if (standIn.forbidDeletes) return send(403, { message: 'Resource not accessible by integration' })
      const version = versions.find(v => v.id === Number(id))
      if (!version) return send(404, { message: 'Package version not found.' })
      const deleted = await fetch(`http://${registry}/v2/${repository}/manifests/${version.name}`, {
        method: 'DELETE'
      })
      send(deleted.status === 202 ? 204 : 500)
    })().catch(error => send(500, { message: String(error) }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  standIn.close = () => new Promise(resolve => server.close(() => resolve()))
  return standIn
}
