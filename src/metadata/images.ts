import { InputError } from '../inputs/errors.js'
import { entryFields, readInputList } from './csv.js'

export interface ImageEntry {
  name: string
  enable: boolean
  /** the entry as written, for messages */
  entry: string
}

/**
 * The `images` input: a single legacy line `a/b,c/d` (no `=` in any field) lists several images;
 * otherwise each line is `name/foo` or `name=name/foo[,enable=true|false]`.
 */
export function parseImages(lines: readonly string[]): ImageEntry[] {
  const entries = readInputList('images', lines)
  const first = entries[0]
  if (entries.length === 1 && first !== undefined) {
    const fields = entryFields('images', first).map(field => field.trim())
    if (fields.every(field => !field.includes('='))) {
      return fields.filter(field => field !== '').map(name => ({ name, enable: true, entry: first }))
    }
  }
  return entries.map(parseImageEntry)
}

function parseImageEntry(entry: string): ImageEntry {
  const image: ImageEntry = { name: '', enable: true, entry }
  for (const field of entryFields('images', entry)) {
    const parts = field.split('=').map(part => part.trim())
    const key = parts[0]?.toLowerCase() ?? ''
    const value = parts[1]
    if (value === undefined) {
      image.name = parts[0] ?? ''
    } else if (key === 'name') {
      image.name = value
    } else if (key === 'enable') {
      if (value !== 'true' && value !== 'false') {
        throw new InputError('images', `enable must be true or false, got '${value}' in '${entry}'`)
      }
      image.enable = value === 'true'
    } else {
      throw new InputError('images', `unknown attribute '${key}' in '${entry}'; use name and enable`)
    }
  }
  if (image.name === '') throw new InputError('images', `empty image name in '${entry}'`)
  return image
}
