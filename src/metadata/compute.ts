import { annotationLevels } from './annotation-levels.js'
import { buildTime } from './clock.js'
import { commitDateFromPayload } from './context.js'
import { assembleEntries, type EntryRules } from './entries.js'
import { parseFlavor } from './flavor.js'
import { isSpdxExpression } from './ghcr.js'
import { splitDomain } from '../registry/index.js'
import { normalizeImageName } from './image-names.js'
import { parseImages } from './images.js'
import { baseEntries, labelLines, repoFacts, sortedRecord, type RepoFacts } from './oci.js'
import { parseTagRules } from './tag-rules.js'
import type { TemplateScope } from './template.js'
import {
  ANNOTATION_LEVELS,
  type AnnotationLevel,
  type ComputeOptions,
  type GitContext,
  type Metadata,
  type MetadataInputs,
  type Logger,
  type RepoInfo
} from './types.js'
import { computeVersion, latestTag, type Version } from './version.js'

/**
 * Tags, labels and annotations for this run, as docker/metadata-action computes them, plus the GHCR rules.
 * Pure apart from `opts.logger.info`: warnings are returned in `warnings`, not logged. Throws InputError on bad input.
 */
export function computeMetadata(
  inputs: MetadataInputs,
  ctx: GitContext,
  repo: RepoInfo | undefined,
  opts: ComputeOptions
): Metadata {
  const warnings: string[] = []
  const now = buildTime(opts.env, opts.now)
  const scope: TemplateScope = {
    ctx,
    env: opts.env,
    now,
    commitDate: opts.commitDate ?? commitDateFromPayload(ctx) ?? now
  }
  const images = resolveImages(inputs, warnings, opts.logger)
  const facts = publishableFacts(repoFacts(ctx, repo), opts.logger)
  const flavor = parseFlavor(inputs.flavor)
  const version = computeVersion(parseTagRules(inputs.tags), flavor, {
    ...scope,
    defaultBranch: facts.defaultBranch,
    warnings
  })
  const tagNames = outputTagNames(version, () => latestTag(flavor, scope))
  if (tagNames.length === 0) {
    warnings.push(
      `No tag was generated for ${ctx.eventName || 'this'} event on '${ctx.ref}'; check the tags input`
    )
  }
  const tags = images.length > 0 ? images.flatMap(image => tagNames.map(tag => `${image}:${tag}`)) : tagNames
  const base = baseEntries(facts, version.main, now, ctx.sha)
  const ghcr = images.some(isGhcrImage)
  const sharedWith = ghcr ? images.filter(image => !isGhcrImage(image)) : []
  const rules: EntryRules = { ghcr, sharedWith, scope, warnings }
  const labels = entriesFor('labels', inputs, base, rules)
  const annotationValues = entriesFor('annotations', inputs, base, rules)
  const levels = annotationLevels(opts.env, inputs.platformCount)
  const annotations = levels.flatMap(level => labelLines(annotationValues).map(line => `${level}:${line}`))
  return {
    images,
    version: version.main,
    tags,
    tagNames,
    labels,
    annotations,
    annotationsByLevel: byLevel(levels, annotationValues),
    annotationLevels: levels,
    json: { tags, 'tag-names': tagNames, labels, annotations },
    warnings: [...new Set(warnings)]
  }
}

function entriesFor(
  kind: 'labels' | 'annotations',
  inputs: MetadataInputs,
  base: ReadonlyArray<[string, string]>,
  rules: EntryRules
): Record<string, string> {
  const { description, licenses, source } = inputs
  const customLines = kind === 'labels' ? inputs.labels : inputs.annotations
  return sortedRecord(
    assembleEntries(base, { description, licenses, source, customInput: kind, customLines }, rules)
  )
}

/** `latest` is rendered (and checked) only when the run tags it. */
function outputTagNames(version: Version, latest: () => string): string[] {
  if (version.main === '') return []
  return [version.main, ...version.partial, ...(version.latest ? [latest()] : [])]
}

/** Enabled image names, lowercased; the default `<registry>/<owner>/<repo>` when `images` is empty. */
function resolveImages(inputs: MetadataInputs, warnings: string[], logger: Logger): string[] {
  const entries = parseImages(inputs.images)
  if (entries.length === 0) {
    if (inputs.defaultImage === '') return []
    // Lowercasing the name derived from GITHUB_REPOSITORY is expected, so it is not worth a warning.
    const quiet: string[] = []
    const name = normalizeImageName(inputs.defaultImage, `default image ${inputs.defaultImage}`, quiet)
    for (const message of quiet) logger.info(message)
    return [name]
  }
  const names = entries
    .filter(entry => entry.enable)
    .map(entry => normalizeImageName(entry.name, entry.entry, warnings))
  return [...new Set(names)]
}

function isGhcrImage(image: string): boolean {
  return splitDomain(image).domain === 'ghcr.io'
}

/** GitHub reports NOASSERTION for a license it does not recognise: not something to publish as a license. */
function publishableFacts(facts: RepoFacts, logger: Logger): RepoFacts {
  if (facts.license === '' || isSpdxExpression(facts.license)) return facts
  logger.info(
    `Repository license '${facts.license}' is not an SPDX expression; set the licenses input to publish one`
  )
  return { ...facts, license: '' }
}

function byLevel(
  levels: readonly AnnotationLevel[],
  values: Record<string, string>
): Record<AnnotationLevel, Record<string, string>> {
  const result = {} as Record<AnnotationLevel, Record<string, string>>
  for (const level of ANNOTATION_LEVELS) result[level] = levels.includes(level) ? { ...values } : {}
  return result
}
