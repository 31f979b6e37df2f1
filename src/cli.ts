#!/usr/bin/env node
import { runCli } from './cli/main.js'
import { cancelOnSignals, exitAfterRun } from './runtime/cancel.js'

/** All of stdin, for --password-stdin. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks).toString('utf8')
}

// A closed stdout or stderr (`| head`) fails every later write with EPIPE, as an 'error' event: nobody
// listening, it would kill the run halfway (no clean-up, tags not put back). What is written is lost;
// the run goes on.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {})

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: text => process.stdout.write(text),
  stderr: text => process.stderr.write(text),
  readStdin,
  signal: cancelOnSignals(name => process.stderr.write(`\ninterrupted (${name}): stopping and cleaning up\n`))
})
exitAfterRun()
