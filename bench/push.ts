/**
 * The benchmark's worker, bundled by scripts/bench.mjs with ncc. Subcommands (JSON on stdout):
 *   layout <dir> <spec.json>        write an OCI layout of random layers
 *   blob <dir> <bytes>              write one random blob file into <dir>/blobs/sha256
 *   push <layoutDir> <target>       push a layout with our client
 *   push-blob <file> <digest> <repo> push one file as a blob with our client
 * Every push reports its duration, the requests made by method, the bytes sent and the peak RSS.
 */
import type { RequestRecord } from '../src/registry/index.js'
import { RegistryClient, pushLayout } from '../src/registry/index.js'
import type { LayoutSpec } from '../__tests__/support/registry/oci-builder.js'
import { writeLayout, writeRandomBlob } from '../__tests__/support/registry/oci-builder.js'
import { readFileSync, statSync } from 'node:fs'

function report(started: number, requests: RequestRecord[], extra: object = {}): void {
  const byMethod: Record<string, number> = {}
  for (const r of requests) byMethod[r.method] = (byMethod[r.method] ?? 0) + 1
  const result = {
    ms: Date.now() - started,
    requests: requests.length,
    byMethod,
    bytesSent: requests.reduce((n, r) => n + r.bytesSent, 0),
    maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    ...extra
  }
  process.stdout.write(JSON.stringify(result) + '\n')
}

async function main(args: string[]): Promise<void> {
  const [command, a, b, c] = args
  const requests: RequestRecord[] = []
  const client = new RegistryClient({ onRequest: r => requests.push(r), userAgent: 'publish-image-bench' })
  const started = Date.now()
  try {
    if (command === 'layout' && a && b) {
      const built = await writeLayout(a, JSON.parse(readFileSync(b, 'utf8')) as LayoutSpec)
      process.stdout.write(
        JSON.stringify({ root: built.root, blobs: built.blobs.length, manifests: built.manifests.length }) +
          '\n'
      )
    } else if (command === 'blob' && a && b) {
      process.stdout.write(JSON.stringify(await writeRandomBlob(a, Number(b))) + '\n')
    } else if (command === 'push' && a && b) {
      const { digest } = await pushLayout(client, a, b)
      report(started, requests, { digest })
    } else if (command === 'push-blob' && a && b && c) {
      const size = statSync(a).size
      const desc = { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: b, size }
      const result = await client.repository(c).pushBlob(desc, { path: a })
      report(started, requests, { result })
    } else {
      throw new Error(`usage: push.js layout|blob|push|push-blob …, got ${args.join(' ')}`)
    }
  } finally {
    client.close()
  }
}

main(process.argv.slice(2)).catch(err => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`)
  process.exit(1)
})
