import { InputError } from '../inputs/errors.js'

/** The OCI distribution spec's tag grammar, which every registry enforces on a manifest PUT. */
export const TAG_GRAMMAR = '[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}'
export const TAG_MAX_LENGTH = 128

/** The part of the tag grammar `tag` breaks, in words; undefined when a registry accepts it. */
export function brokenTagRule(tag: string): string | undefined {
  if (tag === '') return 'a tag cannot be empty'
  const first = tag.charAt(0)
  if (first === '.' || first === '-') return `a tag cannot start with '${first}'`
  const bad = /[^a-zA-Z0-9_.-]/.exec(tag)
  if (bad) return `'${bad[0]}' is not allowed: only letters, digits, '_', '.' and '-'`
  if (tag.length > TAG_MAX_LENGTH) {
    return `a tag has at most ${TAG_MAX_LENGTH} characters, this one has ${tag.length}`
  }
  return undefined
}

/** What produced a tag, for the error: the input to fix and how to name the producer in a sentence. */
export interface TagOrigin {
  input: 'tags' | 'flavor'
  /** e.g. `tags 'type=ref,event=branch' with flavor prefix '-'` */
  description: string
}

/** Fails at planning, before anything is built, on a tag every registry would refuse at push time. */
export function checkTag(tag: string, origin: TagOrigin): void {
  const broken = brokenTagRule(tag)
  if (broken === undefined) return
  throw new InputError(
    origin.input,
    `tag '${tag}' (from ${origin.description}) is not a valid tag: ${broken} ` +
      `(tag grammar ${TAG_GRAMMAR}); change that rule, or its prefix/suffix, so the tag fits`
  )
}
