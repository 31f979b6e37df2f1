import { afterEach, describe, expect, it } from '@jest/globals'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { checkPackageLink } from '../../../src/packages/link-check.js'

const servers: http.Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise(resolve => s.close(resolve))
})

/** GitHub's package endpoint on loopback: the org route 404s, the user route answers `pkg`. */
async function packagesApi(pkg: object, seen: string[]): Promise<string> {
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`)
    const userRoute = req.url === '/users/acme/packages/container/app%2Fweb'
    res.writeHead(userRoute ? 200 : 404, { 'content-type': 'application/json' })
    res.end(JSON.stringify(userRoute ? pkg : { message: 'Not Found' }))
  })
  servers.push(server)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

const request = (apiUrl: string) => ({
  image: 'ghcr.io/acme/app/web',
  source: 'https://github.com/acme/web',
  githubToken: 'workflow-token',
  apiUrl,
  serverUrl: 'https://github.com',
  env: {}
})

describe('checkPackageLink over HTTP', () => {
  it('reads a user package (after the org route 404s) linked to another repository, and says how to fix it', async () => {
    const seen: string[] = []
    const apiUrl = await packagesApi({ visibility: 'private', repository: { full_name: 'acme/other' } }, seen)
    const check = await checkPackageLink(request(apiUrl))
    expect(seen).toEqual([
      'GET /orgs/acme/packages/container/app%2Fweb token workflow-token',
      'GET /users/acme/packages/container/app%2Fweb token workflow-token'
    ])
    expect(check).toMatchObject({ visibility: 'private', ownerKind: 'users' })
    expect(check?.warnings).toHaveLength(1)
    expect(check?.warnings[0]).toContain('acme/other')
    expect(check?.warnings[0]).toContain(
      'https://github.com/users/acme/packages/container/app%2Fweb/settings'
    )
  })

  it('warns nothing when the package is linked to the source repository', async () => {
    const apiUrl = await packagesApi({ visibility: 'public', repository: { full_name: 'acme/web' } }, [])
    expect(await checkPackageLink(request(apiUrl))).toMatchObject({ visibility: 'public', warnings: [] })
  })

  it('checks nothing on a registry that is not GitHub’s', async () => {
    const seen: string[] = []
    const apiUrl = await packagesApi({}, seen)
    expect(await checkPackageLink({ ...request(apiUrl), image: 'quay.io/acme/web' })).toBeUndefined()
    expect(seen).toEqual([])
  })
})
