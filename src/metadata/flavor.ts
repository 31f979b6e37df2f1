import { InputError } from '../inputs/errors.js'
import { entryFields, readInputList } from './csv.js'

export type LatestMode = 'auto' | 'true' | 'false'

export interface Flavor {
  latest: LatestMode
  /** template, rendered when applied */
  prefix: string
  suffix: string
  prefixOnLatest: boolean
  suffixOnLatest: boolean
}

/** The `flavor` input. Later lines override earlier ones; `onlatest` applies to the prefix/suffix before it on its line. */
export function parseFlavor(lines: readonly string[]): Flavor {
  const flavor: Flavor = {
    latest: 'auto',
    prefix: '',
    suffix: '',
    prefixOnLatest: false,
    suffixOnLatest: false
  }
  for (const entry of readInputList('flavor', lines)) {
    applyFlavorEntry(flavor, entry)
  }
  return flavor
}

function applyFlavorEntry(flavor: Flavor, entry: string): void {
  let onLatestFor: 'prefix' | 'suffix' | undefined
  for (const field of entryFields('flavor', entry)) {
    // metadata-action splits at every `=` and keeps the second part: `prefix=a=b` means `prefix=a`.
    const parts = field.split('=').map(part => part.trim())
    const key = parts[0]?.toLowerCase()
    const value = parts[1]
    if (value === undefined)
      throw new InputError('flavor', `expected key=value, got '${field}' in '${entry}'`)
    switch (key) {
      case 'latest':
        flavor.latest = checkOneOf(value, ['auto', 'true', 'false'], key, entry)
        break
      case 'prefix':
      case 'suffix':
        flavor[key] = value
        onLatestFor = key
        break
      case 'onlatest': {
        const on = checkOneOf(value, ['true', 'false'], key, entry) === 'true'
        if (onLatestFor === 'prefix') flavor.prefixOnLatest = on
        if (onLatestFor === 'suffix') flavor.suffixOnLatest = on
        break
      }
      default:
        throw new InputError(
          'flavor',
          `unknown key '${key}' in '${entry}'; use latest, prefix, suffix or onlatest`
        )
    }
  }
}

function checkOneOf<T extends string>(value: string, allowed: readonly T[], key: string, entry: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new InputError('flavor', `${key} must be ${allowed.join(', ')}, got '${value}' in '${entry}'`)
  }
  return value as T
}
