import { InputError } from '../inputs/errors.js'
import { readInputList } from './csv.js'
import {
  characterCount,
  checkLicensesInput,
  cutAtWordBoundary,
  cutLicenses,
  DESCRIPTION_LIMIT,
  isSpdxExpression,
  LICENSES_LIMIT,
  nonSpdxWarning
} from './ghcr.js'
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
  /**
   * The images of this run that are not on ghcr.io. Labels and annotations are part of the one image a
   * run builds (config, manifest, index: one digest for every image), so they get the cut values too.
   */
  sharedWith: readonly string[]
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
  if (licenses.origin === 'licenses') checkLicensesInput(licenses.value)
  const spdx = isSpdxExpression(licenses.value)
  if (!spdx) rules.warnings.push(nonSpdxWarning(licenses.value, licenses.origin))
  const length = characterCount(licenses.value)
  if (!rules.ghcr || length <= LICENSES_LIMIT) return
  licenses.value = spdx
    ? cutLicenses(licenses.value, LICENSES_LIMIT)
    : cutAtWordBoundary(licenses.value, LICENSES_LIMIT)
  rules.warnings.push(
    `${licenses.origin}: licenses has ${length} characters, GHCR takes at most ${LICENSES_LIMIT}; ` +
      `cut to '${licenses.value}'${sharedNote(rules)}`
  )
}

function applyDescriptionRule(entries: Map<string, Entry>, rules: EntryRules): void {
  const description = entries.get(OCI_KEYS.description)
  if (!rules.ghcr || !description) return
  const length = characterCount(description.value)
  if (length <= DESCRIPTION_LIMIT) return
  description.value = cutAtWordBoundary(description.value, DESCRIPTION_LIMIT)
  rules.warnings.push(
    `${description.origin}: description has ${length} characters, GHCR shows at most ${DESCRIPTION_LIMIT}; ` +
      `cut at a word boundary to ${characterCount(description.value)}${sharedNote(rules)}`
  )
}

/** Says which other images get the cut value too, and how to keep it whole there. */
function sharedNote(rules: EntryRules): string {
  if (rules.sharedWith.length === 0) return ''
  const names = rules.sharedWith.join(', ')
  return (
    `. ${names} ${rules.sharedWith.length > 1 ? 'get' : 'gets'} the cut value too: every image of a run ` +
    'is the same image with one digest; publish to ghcr.io in a separate step to keep the full value elsewhere'
  )
}
