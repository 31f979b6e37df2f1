#!/usr/bin/env node
// `npm run demo`: brings up the local registry (scripts/testenv.mjs) and publishes example/ with the
// command line (dist/cli.js, the package's `publish-image` bin) from this clone, then prints the digest
// and a pull-by-digest command. `npm run env:down` stops the registry and dockerd afterwards.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { up } from './testenv.mjs'

const platforms = process.argv.includes('--multi-arch') ? ['--platform', 'linux/amd64,linux/arm64'] : []
const env = await up()
if (!existsSync('dist/cli.js')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' })
const image = `${env.registry.host}/demo/hello`
const args = [
  ...['--registry', env.registry.host, '--image', image, '--builder', 'buildah'],
  ...['--tag', 'type=ref,event=branch', '--tag', 'type=sha', '--tag', 'type=raw,value=latest'],
  ...['--context', 'example', '--build-arg', `BASE_IMAGE=${env.baseImage}`, ...platforms, '--json']
]
process.stderr.write(`$ publish-image ${args.join(' ')}\n`)
const result = await runCli(args)
if (result.exitCode !== 0) {
  process.stderr.write(`\npublish-image failed (exit code ${result.exitCode})\n`)
  process.exit(1)
}
const { digest, tags } = JSON.parse(result.stdout)
process.stdout.write(
  [
    '',
    `digest: ${digest}`,
    `tags:\n  ${tags.join('\n  ')}`,
    `platform digests: ${JSON.stringify(JSON.parse(result.stdout)['platform-digests'])}`,
    '',
    'Pull it by digest:',
    `  skopeo copy --src-tls-verify=false docker://${image}@${digest} oci:/tmp/hello`,
    `  docker -H ${env.dockerd.host} pull ${image}@${digest}`,
    '',
    'Stop the local registry and dockerd with: npm run env:down',
    ''
  ].join('\n')
)

/**
 * Runs the CLI with its progress on this terminal and its JSON result captured. The GitHub REST API is
 * pointed at a closed loopback port unless GITHUB_API_URL is set: the demo contacts nothing but the
 * local registry (the CLI warns and labels from git alone).
 */
function runCli(cliArgs) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli.js', ...cliArgs], {
      env: { ...process.env, GITHUB_API_URL: process.env.GITHUB_API_URL || 'http://127.0.0.1:9' },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let stdout = ''
    child.stdout.on('data', chunk => (stdout += chunk))
    child.on('error', reject)
    child.on('close', code => resolve({ exitCode: code ?? -1, stdout }))
  })
}
