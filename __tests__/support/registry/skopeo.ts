/** A client we did not write, to cross-check what ours pushed. */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** `skopeo inspect --raw`: the manifest bytes exactly as the registry serves them. */
export async function skopeoRaw(ref: string, opts: { creds?: string } = {}): Promise<Buffer> {
  const args = [
    'inspect',
    '--raw',
    '--tls-verify=false',
    ...(opts.creds ? ['--creds', opts.creds] : []),
    `docker://${ref}`
  ]
  const { stdout } = await run('skopeo', args, { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024 })
  return stdout
}
