import { InputError } from '../inputs/errors.js'
import type { Flavor } from './flavor.js'
import { checkTag, type TagOrigin } from './tag-grammar.js'
import type { TagRule } from './tag-rules.js'
import { ruleValue, source, type RuleScope } from './tag-values.js'
import { renderGlobal, type TemplateScope } from './template.js'

export interface Version {
  /** the first tag produced, '' when none: the `version` output */
  main: string
  /** the other tags, without duplicates, in rule order */
  partial: string[]
  latest: boolean
}

/** Each run of characters a tag cannot hold becomes one `-`. */
export function sanitizeTag(tag: string): string {
  return tag.replace(/[^a-zA-Z0-9._-]+/g, '-')
}

/** Runs the rules (already in priority order) against the run and collects the tags. */
export function computeVersion(rules: readonly TagRule[], flavor: Flavor, scope: RuleScope): Version {
  let main: string | undefined
  const partial: string[] = []
  let latest: boolean | undefined
  for (const rule of rules) {
    if (!isEnabled(rule, scope)) continue
    const produced = ruleValue(rule, scope)
    if (!produced) continue
    const value = sanitizeTag(withAffixes(produced.value, rule, flavor, scope))
    if (value === '') continue
    checkTag(value, ruleOrigin(rule, flavor))
    if (main === undefined) main = value
    else if (value !== main && !partial.includes(value)) partial.push(value)
    // Only the first rule that yields a tag decides `latest`.
    latest ??= flavor.latest === 'auto' ? produced.latestOnAuto : flavor.latest === 'true'
  }
  return { main: main ?? '', partial, latest: latest ?? false }
}

function isEnabled(rule: TagRule, scope: TemplateScope): boolean {
  const rendered = renderGlobal(rule.attrs.enable ?? 'true', scope, source(rule))
  if (rendered !== 'true' && rendered !== 'false') {
    throw new InputError('tags', `enable must be true or false, got '${rendered}' in '${rule.entry}'`)
  }
  return rendered === 'true'
}

/** The `tags` line, and the flavor prefix/suffix when the rule takes them. */
function ruleOrigin(rule: TagRule, flavor: Flavor): TagOrigin {
  const affixes = [
    rule.attrs.prefix === undefined && flavor.prefix !== '' ? `flavor prefix '${flavor.prefix}'` : '',
    rule.attrs.suffix === undefined && flavor.suffix !== '' ? `flavor suffix '${flavor.suffix}'` : ''
  ].filter(Boolean)
  const withFlavor = affixes.length > 0 ? ` with ${affixes.join(' and ')}` : ''
  return { input: 'tags', description: `tags '${rule.entry}'${withFlavor}` }
}

/** A prefix/suffix on the rule (even empty) replaces the flavor's. */
function withAffixes(value: string, rule: TagRule, flavor: Flavor, scope: TemplateScope): string {
  const flavorSource = { input: 'flavor', entry: `prefix=${flavor.prefix},suffix=${flavor.suffix}` }
  const prefix =
    rule.attrs.prefix !== undefined
      ? renderGlobal(rule.attrs.prefix, scope, source(rule))
      : renderGlobal(flavor.prefix, scope, flavorSource)
  const suffix =
    rule.attrs.suffix !== undefined
      ? renderGlobal(rule.attrs.suffix, scope, source(rule))
      : renderGlobal(flavor.suffix, scope, flavorSource)
  return `${prefix}${value}${suffix}`
}

/** The `latest` tag with the flavor's prefix/suffix when `onlatest=true`. */
export function latestTag(flavor: Flavor, scope: TemplateScope): string {
  const flavorSource = { input: 'flavor', entry: `prefix=${flavor.prefix},suffix=${flavor.suffix}` }
  const prefix = flavor.prefixOnLatest ? renderGlobal(flavor.prefix, scope, flavorSource) : ''
  const suffix = flavor.suffixOnLatest ? renderGlobal(flavor.suffix, scope, flavorSource) : ''
  const tag = sanitizeTag(`${prefix}latest${suffix}`)
  const affixes = [
    flavor.prefixOnLatest ? `prefix '${flavor.prefix}'` : '',
    flavor.suffixOnLatest ? `suffix '${flavor.suffix}'` : ''
  ].filter(Boolean)
  checkTag(tag, {
    input: 'flavor',
    description: `latest with the flavor ${affixes.join(' and ')}, onlatest=true`
  })
  return tag
}
