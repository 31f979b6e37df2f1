import { parse } from 'csv-parse/sync'
import { InputError } from '../inputs/errors.js'
import { errorMessage } from '../errors.js'

/**
 * The entries of a list input, read the way docker/metadata-action v6 reads them: the whole text as CSV
 * (relaxed quotes, `#` comments only at the start of a line), each record re-joined with commas.
 * Re-joining drops the quotes, which is why a quoted comma does not survive (as in metadata-action).
 */
export function readInputList(input: string, lines: readonly string[]): string[] {
  const text = lines.join('\n').trim()
  if (text === '') return []
  let records: string[][]
  try {
    records = parse(text, {
      columns: false,
      relaxQuotes: true,
      comment: '#',
      comment_no_infix: true,
      relaxColumnCount: true,
      skipEmptyLines: true
    })
  } catch (err) {
    throw new InputError(input, `cannot read the list as CSV: ${errorMessage(err)}`, { cause: err })
  }
  return records
    .map(record => record.join(','))
    .map(entry => entry.trim())
    .filter(entry => entry !== '')
}

/** The CSV fields of one entry (`type=semver,pattern={{version}}`), parsed strictly as metadata-action does. */
export function entryFields(input: string, entry: string): string[] {
  try {
    const records = parse(entry, { relaxColumnCount: true, skipEmptyLines: true })
    return records[0] ?? []
  } catch (err) {
    throw new InputError(input, `cannot read '${entry}' as CSV: ${errorMessage(err)}`, { cause: err })
  }
}

/** `key=value` split at the first `=` (a field starting with `=` has no key); key lowercased, both trimmed. */
export function splitAttribute(field: string): { key: string; value: string } | undefined {
  const at = field.indexOf('=')
  if (at <= 0) return undefined
  return { key: field.slice(0, at).trim().toLowerCase(), value: field.slice(at + 1).trim() }
}
