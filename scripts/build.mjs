#!/usr/bin/env node
// Bundles each entry point of src/ into dist/<entry>.js with @vercel/ncc (ESM, Node 20+).
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  mkdirSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const entries = ['index', 'post', 'cli'].filter(name => existsSync(`src/${name}.ts`))
const work = mkdtempSync(join(tmpdir(), 'publish-image-build-'))
try {
  for (const name of entries) {
    const out = join(work, name)
    execFileSync('npx', ['ncc', 'build', `src/${name}.ts`, '-o', out, '--target', 'es2022', '--quiet'], {
      stdio: 'inherit'
    })
    const files = readdirSync(out).filter(f => f !== 'package.json')
    if (files.join() !== 'index.js') throw new Error(`unexpected ncc output for ${name}: ${files.join(', ')}`)
  }
  rmSync('dist', { recursive: true, force: true })
  mkdirSync('dist')
  for (const name of entries) copyFileSync(join(work, name, 'index.js'), join('dist', `${name}.js`))
  // dist/cli.js is the package's `bin`: executable, whatever umask or copy did.
  if (entries.includes('cli')) chmodSync('dist/cli.js', 0o755)
  writeFileSync('dist/package.json', '{ "type": "module" }\n')
} finally {
  rmSync(work, { recursive: true, force: true })
}
