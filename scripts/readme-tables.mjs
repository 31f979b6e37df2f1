#!/usr/bin/env node
// Regenerates README's inputs/outputs tables from action.yml (`--check`: fail when they differ).
import { readFileSync, writeFileSync } from 'node:fs'
import { format, resolveConfig } from 'prettier'
import { parse } from 'yaml'

const action = parse(readFileSync('action.yml', 'utf8'))
const cell = text => String(text).replace(/\|/g, '\\|').replace(/\n/g, ' ').trim()
const defaultCell = value => (value === undefined || value === '' ? '' : `\`${cell(value)}\``)

const inputs = [
  '| Input | Default | Description |',
  '|---|---|---|',
  ...Object.entries(action.inputs).map(
    ([name, spec]) => `| \`${name}\` | ${defaultCell(spec.default)} | ${cell(spec.description)} |`
  )
].join('\n')
const outputs = [
  '| Output | Description |',
  '|---|---|',
  ...Object.entries(action.outputs).map(([name, spec]) => `| \`${name}\` | ${cell(spec.description)} |`)
].join('\n')

function replaceBetween(text, marker, body) {
  const start = `<!-- ${marker}:start -->`
  const end = `<!-- ${marker}:end -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end)
  if (from < 0 || to < 0) throw new Error(`README.md lacks the ${start} … ${end} markers`)
  return text.slice(0, from + start.length) + '\n' + body + '\n' + text.slice(to)
}

const readme = readFileSync('README.md', 'utf8')
// Formatted as Prettier would, so that `prettier --check` and this check agree.
const options = { ...(await resolveConfig('README.md')), parser: 'markdown' }
const next = await format(
  replaceBetween(replaceBetween(readme, 'inputs', inputs), 'outputs', outputs),
  options
)
if (process.argv.includes('--check')) {
  if (next !== readme) {
    console.error('README.md inputs/outputs tables differ from action.yml: run npm run docs')
    process.exit(1)
  }
} else if (next !== readme) {
  writeFileSync('README.md', next)
}
