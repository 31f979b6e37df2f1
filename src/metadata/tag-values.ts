import * as pep440 from '@renovatebot/pep440'
import semver from 'semver'
import { InputError } from '../inputs/errors.js'
import { errorMessage } from '../errors.js'
import { branchName, isBranchRef, isPullRef, isTagRef, pullNumber, shortSha, tagName } from './refs.js'
import type { TagRule } from './tag-rules.js'
import { isRawStatement, render, renderGlobal, renderSchedule, type TemplateScope } from './template.js'

export interface RuleScope extends TemplateScope {
  /** the default branch for `type=edge`: the repository API's, else the payload's */
  defaultBranch: string
  warnings: string[]
}

/** A rule's value before prefix/suffix, and whether `latest=auto` tags latest for it. */
export interface RuleValue {
  value: string
  latestOnAuto: boolean
}

/** The value one rule produces for this run, or undefined when the rule does not apply. */
export function ruleValue(rule: TagRule, scope: RuleScope): RuleValue | undefined {
  switch (rule.type) {
    case 'schedule':
      return scheduleValue(rule, scope)
    case 'semver':
      return semverValue(rule, scope)
    case 'pep440':
      return pep440Value(rule, scope)
    case 'match':
      return matchValue(rule, scope)
    case 'edge':
      return edgeValue(rule, scope)
    case 'ref':
      return refValue(rule, scope)
    case 'raw':
      return { value: renderGlobal(rule.attrs.value ?? '', scope, source(rule)), latestOnAuto: false }
    case 'sha':
      return shaValue(rule, scope)
  }
}

export const source = (rule: TagRule) => ({ input: 'tags', entry: rule.entry })

function scheduleValue(rule: TagRule, scope: RuleScope): RuleValue | undefined {
  if (!scope.ctx.eventName.includes('schedule')) return undefined
  return { value: renderSchedule(rule.attrs.pattern ?? '', scope, source(rule)), latestOnAuto: false }
}

/** semver, pep440 and match read the tag name, or `value=` when set (then on any ref). */
function versionInput(rule: TagRule, scope: RuleScope): string | undefined {
  const value = rule.attrs.value ?? ''
  if (value !== '') return renderGlobal(value, scope, source(rule))
  return isTagRef(scope.ctx.ref) ? tagName(scope.ctx.ref) : undefined
}

/** `match=` on semver/pep440: its first group replaces the input; no match keeps the input, with a warning. */
function applyMatchAttr(raw: string, rule: TagRule, scope: RuleScope): string {
  const pattern = rule.attrs.match ?? ''
  if (pattern === '') return raw
  const found = raw.match(regex(pattern, '', rule))
  if (!found) {
    scope.warnings.push(`${pattern} does not match ${raw} (tags: '${rule.entry}')`)
    return raw
  }
  const group = found[1]
  if (group === undefined) {
    throw new InputError(
      'tags',
      `match=${pattern} needs a capture group, as in v(\\d.\\d.\\d), in '${rule.entry}'`
    )
  }
  return group
}

function semverValue(rule: TagRule, scope: RuleScope): RuleValue | undefined {
  const input = versionInput(rule, scope)
  if (input === undefined) return undefined
  const raw = applyMatchAttr(input, rule, scope).replace(/\//g, '-')
  if (!semver.valid(raw)) {
    scope.warnings.push(
      `${raw} is not a valid semver, no tag for '${rule.entry}'. More info: https://semver.org/`
    )
    return undefined
  }
  const parsed = semver.parse(raw, { loose: true })
  const pattern = rule.attrs.pattern ?? ''
  if (semver.prerelease(raw)) {
    // metadata-action renders '{{version}}' here: the version itself (it holds nothing to HTML-escape).
    const value = isRawStatement(pattern)
      ? render(pattern, parsed ?? {}, source(rule))
      : (parsed?.version ?? '')
    return { value, latestOnAuto: false }
  }
  return { value: render(pattern, parsed ?? {}, source(rule)), latestOnAuto: true }
}

function pep440Value(rule: TagRule, scope: RuleScope): RuleValue | undefined {
  const input = versionInput(rule, scope)
  if (input === undefined) return undefined
  const raw = applyMatchAttr(input, rule, scope).replace(/\//g, '-')
  const explained = pep440.valid(raw) ? pep440.explain(raw) : null
  if (!explained) {
    const more = 'More info: https://www.python.org/dev/peps/pep-0440'
    scope.warnings.push(`${raw} does not conform to PEP 440, no tag for '${rule.entry}'. ${more}`)
    return undefined
  }
  const cleaned = pep440.clean(raw) ?? raw
  const pattern = rule.attrs.pattern ?? ''
  if (explained.is_prerelease || explained.is_postrelease || explained.is_devrelease) {
    return { value: isRawStatement(pattern) ? raw : cleaned, latestOnAuto: false }
  }
  const parts = {
    raw: () => raw,
    version: () => cleaned,
    major: () => pep440.major(raw),
    minor: () => pep440.minor(raw),
    patch: () => pep440.patch(raw)
  }
  return { value: render(pattern, parts, source(rule)), latestOnAuto: true }
}

function matchValue(rule: TagRule, scope: RuleScope): RuleValue | undefined {
  const input = versionInput(rule, scope)
  if (input === undefined) return undefined
  const pattern = rule.attrs.pattern ?? ''
  const literal = /^\/(.+)\/(.*)$/.exec(pattern)
  const found = literal
    ? input.match(regex(literal[1] ?? '', literal[2] ?? '', rule))
    : input.match(regex(pattern, '', rule))
  if (!found) {
    scope.warnings.push(`${pattern} does not match ${input} (tags: '${rule.entry}')`)
    return undefined
  }
  const group = found[Number(rule.attrs.group ?? '0')]
  if (group === undefined) {
    scope.warnings.push(
      `group ${rule.attrs.group} does not exist for ${pattern} pattern (tags: '${rule.entry}')`
    )
    return undefined
  }
  return { value: group, latestOnAuto: true }
}

function regex(pattern: string, flags: string, rule: TagRule): RegExp {
  try {
    return new RegExp(pattern, flags)
  } catch (err) {
    throw new InputError('tags', `invalid regular expression in '${rule.entry}': ${errorMessage(err)}`, {
      cause: err
    })
  }
}

function edgeValue(rule: TagRule, scope: RuleScope): RuleValue | undefined {
  if (!isBranchRef(scope.ctx.ref)) return undefined
  const branch = rule.attrs.branch || scope.defaultBranch
  if (branch !== branchName(scope.ctx.ref)) return undefined
  return { value: 'edge', latestOnAuto: false }
}

function refValue(rule: TagRule, scope: RuleScope): RuleValue | undefined {
  const { ref } = scope.ctx
  switch (rule.attrs.event) {
    case 'branch':
      return isBranchRef(ref) ? { value: branchName(ref), latestOnAuto: false } : undefined
    case 'tag':
      return isTagRef(ref) ? { value: tagName(ref), latestOnAuto: true } : undefined
    case 'pr':
      return isPullRef(ref) ? { value: pullNumber(ref), latestOnAuto: false } : undefined
    default:
      return undefined
  }
}

function shaValue(rule: TagRule, scope: RuleScope): RuleValue | undefined {
  const { sha } = scope.ctx
  if (!sha) return undefined
  return { value: rule.attrs.format === 'long' ? sha : shortSha(sha, scope.env), latestOnAuto: false }
}
