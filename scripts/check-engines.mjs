#!/usr/bin/env node
// Fails when a bundled (non-dev) dependency declares a Node.js range that refuses a Node.js version our
// own `engines` promises: the lowest release of each major that our range allows must satisfy theirs.
import { readFileSync } from 'node:fs'
import semver from 'semver'

const ours = JSON.parse(readFileSync('package.json', 'utf8')).engines.node
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'))

/** The lowest `major.minor.0` of each major from 18 to 30 that `ours` allows. */
const promised = []
for (let major = 18; major <= 30; major++) {
  const releases = Array.from({ length: 40 }, (_, minor) => `${major}.${minor}.0`)
  const lowest = semver.minSatisfying(releases, ours)
  if (lowest) promised.push(lowest)
}

const problems = []
for (const [path, pkg] of Object.entries(lock.packages)) {
  if (!path || pkg.dev || !pkg.engines?.node) continue
  const refused = promised.filter(v => !semver.satisfies(v, pkg.engines.node))
  if (refused.length > 0) {
    problems.push(
      `${path.replace(/^.*node_modules\//, '')} needs node ${pkg.engines.node}: refuses ${refused.join(', ')}`
    )
  }
}
if (problems.length > 0) {
  console.error(`package.json engines (${ours}) promises Node.js versions that bundled dependencies refuse:`)
  for (const p of problems) console.error(`  ${p}`)
  console.error('Pin versions that support them (package.json overrides) or narrow "engines".')
  process.exit(1)
}
console.log(`engines ${ours}: every bundled dependency accepts ${promised.join(', ')}`)
