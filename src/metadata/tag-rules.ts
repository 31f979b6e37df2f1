import { InputError } from '../inputs/errors.js'
import { entryFields, readInputList, splitAttribute } from './csv.js'

export const TAG_TYPES = ['schedule', 'semver', 'pep440', 'match', 'edge', 'ref', 'raw', 'sha'] as const
export type TagType = (typeof TAG_TYPES)[number]

const DEFAULT_PRIORITY: Record<TagType, number> = {
  schedule: 1000,
  semver: 900,
  pep440: 900,
  match: 800,
  edge: 700,
  ref: 600,
  raw: 200,
  sha: 100
}

/** Used when the `tags` input is empty. */
export const DEFAULT_TAG_ENTRIES = [
  'type=schedule',
  'type=ref,event=branch',
  'type=ref,event=tag',
  'type=ref,event=pr'
]

/** One entry of the `tags` input. `attrs` holds every attribute as written, plus the type's defaults. */
export interface TagRule {
  type: TagType
  attrs: Record<string, string>
  priority: number
  /** the entry as the user wrote it, for messages */
  entry: string
}

/** The `tags` input as rules, highest priority first (stable for equal priorities). */
export function parseTagRules(lines: readonly string[]): TagRule[] {
  const entries = readInputList('tags', lines)
  const rules = (entries.length > 0 ? entries : DEFAULT_TAG_ENTRIES).map(parseTagRule)
  return rules
    .map((rule, index) => ({ rule, index }))
    .sort(byPriority)
    .map(({ rule }) => rule)
}

function byPriority(a: { rule: TagRule; index: number }, b: { rule: TagRule; index: number }): number {
  return b.rule.priority - a.rule.priority || a.index - b.index
}

export function parseTagRule(entry: string): TagRule {
  const attrs: Record<string, string> = Object.create(null) as Record<string, string>
  let type: TagType = 'raw'
  for (const field of entryFields('tags', entry)) {
    const attr = splitAttribute(field)
    if (!attr) {
      attrs.value = field.trim()
    } else if (attr.key === 'type') {
      type = checkType(attr.value, entry)
    } else {
      attrs[attr.key] = attr.value
    }
  }
  applyTypeDefaults(type, attrs, entry)
  attrs.enable ??= 'true'
  return { type, attrs, priority: readPriority(type, attrs, entry), entry }
}

function checkType(value: string, entry: string): TagType {
  if (!(TAG_TYPES as readonly string[]).includes(value)) {
    throw new InputError('tags', `unknown type '${value}' in '${entry}'; use one of ${TAG_TYPES.join(', ')}`)
  }
  return value as TagType
}

function readPriority(type: TagType, attrs: Record<string, string>, entry: string): number {
  if (attrs.priority === undefined) return DEFAULT_PRIORITY[type]
  const priority = Number(attrs.priority)
  if (attrs.priority === '' || Number.isNaN(priority)) {
    throw new InputError('tags', `priority must be a number, got '${attrs.priority}' in '${entry}'`)
  }
  return priority
}

function requireAttr(attrs: Record<string, string>, name: string, entry: string): void {
  if (attrs[name] === undefined) throw new InputError('tags', `missing ${name} attribute in '${entry}'`)
}

function applyTypeDefaults(type: TagType, attrs: Record<string, string>, entry: string): void {
  switch (type) {
    case 'schedule':
      attrs.pattern ??= 'nightly'
      return
    case 'semver':
    case 'pep440':
      requireAttr(attrs, 'pattern', entry)
      attrs.value ??= ''
      attrs.match ??= ''
      return
    case 'match':
      requireAttr(attrs, 'pattern', entry)
      attrs.group ??= '0'
      if (Number.isNaN(Number(attrs.group))) {
        throw new InputError('tags', `match group must be a number, got '${attrs.group}' in '${entry}'`)
      }
      attrs.value ??= ''
      return
    case 'edge':
      attrs.branch ??= ''
      return
    case 'ref':
      applyRefDefaults(attrs, entry)
      return
    case 'raw':
      requireAttr(attrs, 'value', entry)
      return
    case 'sha':
      attrs.prefix ??= 'sha-'
      attrs.format ??= 'short'
      if (attrs.format !== 'short' && attrs.format !== 'long') {
        throw new InputError('tags', `format must be short or long, got '${attrs.format}' in '${entry}'`)
      }
      return
  }
}

function applyRefDefaults(attrs: Record<string, string>, entry: string): void {
  requireAttr(attrs, 'event', entry)
  if (!['branch', 'tag', 'pr'].includes(attrs.event ?? '')) {
    throw new InputError('tags', `event must be branch, tag or pr, got '${attrs.event}' in '${entry}'`)
  }
  if (attrs.event === 'pr') attrs.prefix ??= 'pr-'
}
