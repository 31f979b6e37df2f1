#!/usr/bin/env node
// `npm run demo`: brings up the local registry (scripts/testenv.mjs) and publishes example/ through
// the bundled action (dist/index.js, run as the GitHub runner runs it), then prints the digest and
// a pull-by-digest command. `npm run env:down` stops the registry and dockerd afterwards.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { up } from './testenv.mjs'
import { runAction } from './run-action.mjs'

const platforms = process.argv.includes('--multi-arch') ? 'linux/amd64,linux/arm64' : ''
const env = await up()
if (!existsSync('dist/index.js')) execFileSync('npm', ['run', 'build'], { stdio: 'inherit' })
const image = `${env.registry.host}/demo/hello`
const run = await runAction({
  echo: true,
  inputs: {
    registry: env.registry.host,
    images: image,
    tags: 'type=ref,event=branch\ntype=sha\ntype=raw,value=latest',
    context: 'example',
    builder: 'buildah',
    'build-args': `BASE_IMAGE=${env.baseImage}`,
    platforms,
    password: '',
    summary: 'true'
  }
})
if (run.exitCode !== 0) {
  process.stderr.write(`\nthe action failed (exit code ${run.exitCode})\n`)
  process.exit(1)
}
const { digest, tags } = run.outputs
process.stdout.write(
  [
    '',
    `digest: ${digest}`,
    `tags:\n  ${tags.split('\n').join('\n  ')}`,
    `platform digests: ${run.outputs['platform-digests']}`,
    '',
    'Pull it by digest:',
    `  skopeo copy --src-tls-verify=false docker://${image}@${digest} oci:/tmp/hello`,
    `  docker -H ${env.dockerd.host} pull ${image}@${digest}`,
    '',
    'Stop the local registry and dockerd with: npm run env:down',
    ''
  ].join('\n')
)
