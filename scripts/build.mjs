#!/usr/bin/env node
// Bundles each entry point of src/ into dist/<entry>.js with @vercel/ncc (ESM, Node 20+), and the
// licenses of every bundled dependency into dist/licenses.txt.
import { execFileSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  mkdirSync,
  readFileSync,
  writeFileSync
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const entries = ['index', 'post', 'cli'].filter(name => existsSync(`src/${name}.ts`))
const work = mkdtempSync(join(tmpdir(), 'publish-image-build-'))
try {
  for (const name of entries) {
    const out = join(work, name)
    const args = ['ncc', 'build', `src/${name}.ts`, '-o', out, '--target', 'es2022', '--quiet']
    const stats = ['--stats-out', join(work, `${name}.stats.json`)]
    execFileSync('npx', [...args, '--license', 'licenses.txt', ...stats], { stdio: 'inherit' })
    const files = readdirSync(out).filter(f => f !== 'package.json' && !isChunk(f))
    if (files.join() !== 'index.js,licenses.txt')
      throw new Error(`unexpected ncc output for ${name}: ${files.join(', ')}`)
  }
  rmSync('dist', { recursive: true, force: true })
  mkdirSync('dist')
  for (const name of entries) copyFileSync(join(work, name, 'index.js'), join('dist', `${name}.js`))
  copyChunks(entries.map(name => join(work, name)))
  const licenses = entries.map(name => entryLicenses(work, name))
  writeFileSync('dist/licenses.txt', mergeLicenses(licenses))
  // dist/cli.js is the package's `bin`: executable, whatever umask or copy did.
  if (entries.includes('cli')) chmodSync('dist/cli.js', 0o755)
  writeFileSync('dist/package.json', '{ "type": "module" }\n')
} finally {
  rmSync(work, { recursive: true, force: true })
}

/**
 * A dependency's dynamic `import()` becomes a chunk `<id>.index.js` beside the entry, loaded relative to
 * it (cacache's lazy p-map, under @sigstore/sign's make-fetch-happen). Entries share dist/, so a chunk
 * two entries both have must be the same module.
 */
function isChunk(file) {
  return /^\d+\.index\.js$/.test(file)
}

/**
 * ncc's licenses.txt, which is the last chunk's only when the entry has chunks (its license plugin writes
 * one file per chunk under the same name): then every package in webpack's stats is added.
 */
function entryLicenses(work, name) {
  const own = readFileSync(join(work, name, 'licenses.txt'), 'utf8')
  if (!readdirSync(join(work, name)).some(isChunk)) return own
  const stats = JSON.parse(readFileSync(join(work, `${name}.stats.json`), 'utf8'))
  return [own, ...bundledPackageDirs(stats).map(licenseBlock)].join('\n')
}

/** `node_modules/…` directories of the modules webpack bundled (concatenated modules included). */
function bundledPackageDirs(stats) {
  const dirs = new Set()
  const visit = module => {
    const found = [
      ...String(module.name).matchAll(/^(?:.*!)?\.\/((?:.*\/)?node_modules\/(?:@[^/]+\/)?[^/]+)/g)
    ]
    if (found.length > 0) dirs.add(found[0][1])
    for (const inner of module.modules ?? []) visit(inner)
  }
  for (const module of stats.modules ?? []) visit(module)
  return [...dirs].sort()
}

/** One block as ncc writes them: the package's name, its license id, its license text. */
function licenseBlock(dir) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const file = readdirSync(dir).find(f => /^(licen[cs]e|copying)/i.test(f))
  const text = file ? readFileSync(join(dir, file), 'utf8').trim() : ''
  return `${pkg.name}\n${typeof pkg.license === 'string' ? pkg.license : 'UNKNOWN'}\n${text}\n`
}

function copyChunks(outputs) {
  for (const out of outputs) {
    for (const chunk of readdirSync(out).filter(isChunk)) {
      const target = join('dist', chunk)
      const text = readFileSync(join(out, chunk), 'utf8')
      if (existsSync(target) && readFileSync(target, 'utf8') !== text)
        throw new Error(`two entries bundle different modules as ${chunk}`)
      writeFileSync(target, text)
    }
  }
}

/**
 * ncc writes one block per bundled package: its name, its license id, its license text. The union of
 * the entries' blocks, each package once, sorted by name.
 */
function mergeLicenses(files) {
  const blocks = new Map()
  for (const text of files) {
    const lines = text.split('\n')
    let current
    for (const [i, line] of lines.entries()) {
      const startsBlock = (i === 0 || lines[i - 1] === '') && isBundledPackage(line) && lines[i + 1]
      if (startsBlock) {
        current = line
        if (!blocks.has(line)) blocks.set(line, [])
        else current = undefined
      }
      if (current) blocks.get(current).push(line)
    }
  }
  return [...blocks.keys()]
    .sort()
    .map(name => blocks.get(name).join('\n').trimEnd())
    .join('\n\n')
    .concat('\n')
}

function isBundledPackage(line) {
  return (
    /^(@[a-z0-9._-]+\/)?[a-z0-9._-]+$/.test(line) && existsSync(join('node_modules', line, 'package.json'))
  )
}
