import { InputError } from '../inputs/errors.js'
import { readInputList } from './csv.js'
import { checkLicenses, cutAtWordBoundary, cutLicenses, DESCRIPTION_LIMIT, LICENSES_LIMIT } from './ghcr.js'
import { OCI_KEYS } from './oci.js'
import { renderGlobal, type TemplateScope } from './template.js'

/** A label or annotation value and the input it came from ('repository' when derived). */
interface Entry {
  value: string
  origin: string
}

export interface EntryInputs {
  description: string
  licenses: string
  source: string
  /** `labels` or `annotations` */
  customInput: 'labels' | 'annotations'
  customLines: readonly string[]
}

export interface EntryRules {
  /** apply GHCR's length limits (an image is pushed to ghcr.io) */
  ghcr: boolean
  scope: TemplateScope
  warnings: string[]
}

/**
 * Labels or annotations: the base list, then the description/licenses/source inputs, then the custom lines
 * (rendered; split at the first `=`; later keys win), then the GHCR rules.
 */
export function assembleEntries(
  base: ReadonlyArray<[string, string]>,
  inputs: EntryInputs,
  rules: EntryRules
): Map<string, string> {
  const entries = new Map<string, Entry>(base.map(([key, value]) => [key, { value, origin: 'repository' }]))
  if (inputs.description !== '')
    entries.set(OCI_KEYS.description, { value: inputs.description, origin: 'description' })
  if (inputs.licenses !== '') entries.set(OCI_KEYS.licenses, { value: inputs.licenses, origin: 'licenses' })
  if (inputs.source !== '')
    entries.set(OCI_KEYS.source, { value: checkSource(inputs.source), origin: 'source' })
  for (const line of readInputList(inputs.customInput, inputs.customLines)) {
    const rendered = renderGlobal(line, rules.scope, { input: inputs.customInput, entry: line })
    const at = rendered.indexOf('=')
    if (at < 0) {
      rules.warnings.push(`${inputs.customInput}: '${line}' has no '=', ignored; write key=value`)
      continue
    }
    entries.set(rendered.slice(0, at), { value: rendered.slice(at + 1), origin: inputs.customInput })
  }
  applyLicenseRules(entries, rules)
  applyDescriptionRule(entries, rules)
  return new Map([...entries].map(([key, entry]) => [key, entry.value]))
}

function checkSource(source: string): string {
  if (!/^https?:\/\/[^\s/]+/i.test(source)) {
    throw new InputError(
      'source',
      `'${source}' is not an http(s) URL; use the repository URL, e.g. https://github.com/OWNER/REPO`
    )
  }
  return source
}

function applyLicenseRules(entries: Map<string, Entry>, rules: EntryRules): void {
  const licenses = entries.get(OCI_KEYS.licenses)
  if (!licenses || licenses.value === '') return
  checkLicenses(licenses.value, licenses.origin)
  if (rules.ghcr && Array.from(licenses.value).length > LICENSES_LIMIT) {
    licenses.value = cutLicenses(licenses.value, LICENSES_LIMIT)
    rules.warnings.push(
      `${licenses.origin}: licenses is longer than GHCR's ${LICENSES_LIMIT} characters; cut to '${licenses.value}'`
    )
  }
}

function applyDescriptionRule(entries: Map<string, Entry>, rules: EntryRules): void {
  const description = entries.get(OCI_KEYS.description)
  if (!rules.ghcr || !description) return
  const length = Array.from(description.value).length
  if (length <= DESCRIPTION_LIMIT) return
  description.value = cutAtWordBoundary(description.value, DESCRIPTION_LIMIT)
  rules.warnings.push(
    `${description.origin}: description has ${length} characters, GHCR shows at most ${DESCRIPTION_LIMIT}; ` +
      `cut at a word boundary to ${Array.from(description.value).length}`
  )
}
