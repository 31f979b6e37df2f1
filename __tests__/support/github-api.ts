import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A stand-in for GitHub's REST API on loopback: serves canned JSON by path and records requests. */
export interface FakeGithubApi {
  url: string
  requests: { method: string; path: string; authorization?: string }[]
  close(): Promise<void>
}

export async function startFakeGithubApi(
  routes: Record<string, { status?: number; body: unknown }>
): Promise<FakeGithubApi> {
  const requests: FakeGithubApi['requests'] = []
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/'
    requests.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization })
    const route = routes[path]
    res.setHeader('content-type', 'application/json')
    if (!route) {
      res.statusCode = 404
      res.end(JSON.stringify({ message: 'Not Found' }))
      return
    }
    res.statusCode = route.status ?? 200
    res.end(JSON.stringify(route.body))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise(resolve => server.close(() => resolve()))
  }
}
