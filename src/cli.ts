#!/usr/bin/env node
import { runCli } from './cli/main.js'

/** All of stdin, for --password-stdin. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks).toString('utf8')
}

/** On Ctrl-C or SIGTERM: remove the work directory, then exit as the signal would have. */
function onInterrupt(cleanup: () => Promise<void>): void {
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143]
  ] as const) {
    process.once(signal, () => {
      process.stderr.write(`\ninterrupted (${signal}): cleaning up\n`)
      void cleanup().finally(() => process.exit(code))
    })
  }
}

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
  readStdin,
  onInterrupt
})
