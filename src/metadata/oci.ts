import type { GitContext, RepoInfo } from './types.js'
import { stringAt, valueAt } from './payload.js'

const OCI = 'org.opencontainers.image.'
export const OCI_KEYS = {
  title: `${OCI}title`,
  description: `${OCI}description`,
  url: `${OCI}url`,
  source: `${OCI}source`,
  version: `${OCI}version`,
  created: `${OCI}created`,
  revision: `${OCI}revision`,
  licenses: `${OCI}licenses`
} as const

/** What the labels say about the repository: from the REST API, else the event payload, else the run. */
export interface RepoFacts {
  name: string
  description: string
  htmlUrl: string
  /** SPDX id as GitHub reports it; `NOASSERTION` when GitHub does not recognise the license */
  license: string
  defaultBranch: string
}

export function repoFacts(ctx: GitContext, repo: RepoInfo | undefined): RepoFacts {
  if (repo) {
    return {
      name: repo.name ?? '',
      description: repo.description ?? '',
      htmlUrl: repo.html_url ?? '',
      license: repo.license?.spdx_id ?? '',
      defaultBranch: repo.default_branch ?? ''
    }
  }
  const fromEvent = valueAt(ctx.payload, 'repository')
  const name = ctx.repository.split('/')[1] ?? ''
  return {
    name: stringAt(fromEvent, 'name') ?? name,
    description: stringAt(fromEvent, 'description') ?? '',
    htmlUrl: stringAt(fromEvent, 'html_url') ?? (ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : ''),
    license: stringAt(fromEvent, 'license', 'spdx_id') ?? '',
    defaultBranch: stringAt(fromEvent, 'default_branch') ?? ''
  }
}

/** metadata-action's base list, in its order. */
export function baseEntries(
  facts: RepoFacts,
  version: string,
  created: Date,
  sha: string
): [string, string][] {
  return [
    [OCI_KEYS.title, facts.name],
    [OCI_KEYS.description, facts.description],
    [OCI_KEYS.url, facts.htmlUrl],
    [OCI_KEYS.source, facts.htmlUrl],
    [OCI_KEYS.version, version],
    [OCI_KEYS.created, created.toISOString()],
    [OCI_KEYS.revision, sha],
    [OCI_KEYS.licenses, facts.license]
  ]
}

/** Sorted by key as metadata-action sorts (localeCompare: ICU order, case interleaved). */
export function sortedRecord(map: ReadonlyMap<string, string>): Record<string, string> {
  const record: Record<string, string> = {}
  for (const [key, value] of [...map].sort((a, b) => compareKeys(a[0], b[0]))) {
    // defineProperty: a `__proto__` key stays a plain entry
    Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true })
  }
  return record
}

/** `key=value` lines in the record's order. */
export function labelLines(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([key, value]) => `${key}=${value}`)
}

/**
 * ICU order. For keys of lowercase letters, digits and dots only (the usual `org.opencontainers.…`)
 * that is code-unit order: each of those characters has a primary weight of its own, in ASCII order.
 * Skipping the collator there saves ICU's initialization (about 10 ms) on the way to the build.
 */
export function compareKeys(a: string, b: string): number {
  if (PLAIN_KEY.test(a) && PLAIN_KEY.test(b)) return a < b ? -1 : a > b ? 1 : 0
  return a.localeCompare(b, 'en')
}

const PLAIN_KEY = /^[a-z0-9.]*$/
