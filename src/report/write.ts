import { cleanupWarnings, type CleanupResult } from '../cleanup/index.js'
import type { RunPlan } from '../plan.js'
import type { PublishResult } from '../publish/publish.js'
import type { Runtime } from '../runtime/types.js'
import { labelLines } from '../metadata/index.js'
import { buildOutputs, type RunReport } from './outputs.js'
import { packageUrl } from './package-url.js'
import { attestationLines } from './plan-attestations.js'
import { summaryMarkdown } from './summary.js'

/** What a run did: the builder that ran ('none' for a merge) and, when it pushed, what it pushed. */
export interface Outcome {
  builder: string
  result?: PublishResult
  /** What `cleanup` deleted (or, a dry run, would delete) per image. */
  cleanup?: CleanupResult[]
  /** The primary image's GHCR package, when the link check read it. */
  package?: { visibility?: string; ownerKind?: 'orgs' | 'users' }
  /** Warnings of the stages after the push (the link check). */
  warnings?: string[]
}

function modeOf(plan: RunPlan): RunReport['mode'] {
  if (plan.kind === 'merge') return 'merge'
  return plan.byDigest ? 'push-by-digest' : 'build'
}

export function runReport(plan: RunPlan, outcome: Outcome): RunReport {
  const m = plan.metadata
  const primary = m.images[0] ?? ''
  const result = outcome.result
  return {
    mode: modeOf(plan),
    images: m.images,
    platforms: result
      ? Object.keys(result.platformDigests)
      : plan.kind === 'build'
        ? plan.build.platforms
        : [],
    builder: outcome.builder,
    pushed: result !== undefined,
    version: m.version,
    tags: m.tags,
    tagNames: m.tagNames,
    labels: m.labels,
    annotations: m.annotations,
    json: m.json,
    digest: result?.digest ?? '',
    imageId: result?.imageId ?? '',
    refs: result?.refs ?? [],
    platformDigests: result?.platformDigests ?? {},
    packageUrl: packageUrl(primary, {
      serverUrl: plan.context.serverUrl,
      repository: plan.context.repository,
      source: m.labels['org.opencontainers.image.source'] ?? '',
      ownerType: ownerTypeOf(outcome) ?? plan.repo?.owner?.type
    }),
    warnings: [...m.warnings, ...cleanupWarnings(outcome.cleanup ?? []), ...(outcome.warnings ?? [])],
    cleanup: (outcome.cleanup ?? []).map(c => ({
      image: c.image,
      dryRun: c.dryRun,
      deleted: c.deleted,
      skipped: c.skipped
    })),
    packageVisibility: outcome.package?.visibility ?? '',
    attestations: (result?.attestations ?? []).map(a => ({
      image: a.subject.name,
      kind: a.kind,
      subject: a.subject.platform ?? 'index',
      subjectDigest: a.subject.digest,
      referrer: a.referrer,
      signed: a.signed
    })),
    repository: plan.context.repository
  }
}

/** Who owns the package, as the Packages API answered (an org's package page differs from a user's). */
function ownerTypeOf(outcome: Outcome): string | undefined {
  const kind = outcome.package?.ownerKind
  return kind === undefined ? undefined : kind === 'orgs' ? 'Organization' : 'User'
}

/** Sets every output and, unless disabled, writes the job summary. */
export async function writeReport(
  rt: Runtime,
  plan: RunPlan,
  outcome: Outcome,
  summary: boolean
): Promise<RunReport> {
  const report = runReport(plan, outcome)
  const result = outcome.result
  for (const [name, value] of Object.entries(buildOutputs(report))) rt.setOutput(name, value)
  if (result) rt.info(`Digest: ${result.digest}`)
  if (summary) await rt.writeSummary(summaryMarkdown(report))
  return report
}

/** What a dry run would do. */
export function planText(plan: RunPlan, builder = 'none'): string {
  const m = plan.metadata
  return [
    'Dry run: nothing is built, nothing is pushed, no registry is contacted.',
    section('Images', m.images),
    section('Tags', m.tags),
    section('Labels', labelLines(m.labels)),
    section('Annotations', m.annotations),
    ...modeText(plan, builder),
    `Push: ${plan.push ? 'yes' : 'no'} (${plan.pushReason})`,
    ...attestationLines(plan)
  ].join('\n')
}

function modeText(plan: RunPlan, builder: string): string[] {
  if (plan.kind === 'merge') {
    const digests = plan.digests.map(d => (d.platform ? `${d.platform}=${d.digest}` : d.digest))
    return ['Merge: builds nothing; one index of these digests', section('Digests', digests)]
  }
  const platforms = plan.build.platforms.length ? plan.build.platforms : ['the runner’s platform']
  return [
    section('Platforms', platforms),
    `Builder: ${builder}`,
    ...(plan.byDigest ? ['Push by digest: no tags, no index'] : [])
  ]
}

function section(title: string, items: string[]): string {
  return [`${title}:`, ...(items.length ? items.map(i => `  ${i}`) : ['  (none)'])].join('\n')
}
