import { DEFAULT_PROVENANCE, type ProvenanceSettings, type SigningMode } from '../attest/settings.js'
import { InputError } from './errors.js'

const EXAMPLES = 'use true, false, mode=min, mode=max, or e.g. mode=max,signing=required'
const SIGNING_MODES: readonly SigningMode[] = ['auto', 'required', 'off']

/**
 * The `provenance` input, build-push-action's values (`true`, `false`, `mode=min`, `mode=max`, plus its
 * `version=v1`) and our `signing=auto|required|off`. Empty: mode=min for pushes, signing when possible.
 */
export function parseProvenance(raw: string): ProvenanceSettings {
  const value = raw.trim()
  const lower = value.toLowerCase()
  if (lower === '') return { ...DEFAULT_PROVENANCE }
  if (lower === 'true') return { ...DEFAULT_PROVENANCE, explicit: true }
  if (lower === 'false') return { mode: 'off', signing: 'off', explicit: true }
  const settings: ProvenanceSettings = { ...DEFAULT_PROVENANCE, explicit: true }
  for (const attribute of value.split(',').map(a => a.trim())) {
    applyAttribute(settings, attribute, value)
  }
  return settings
}

function applyAttribute(settings: ProvenanceSettings, attribute: string, whole: string): void {
  const [key = '', val = '', ...rest] = attribute.split('=').map(s => s.trim().toLowerCase())
  if (rest.length > 0 || attribute.indexOf('=') < 0) throw bad(whole, `'${attribute}' is not key=value`)
  switch (key) {
    case 'mode':
      if (val !== 'min' && val !== 'max') throw bad(whole, `mode must be min or max, not '${val}'`)
      settings.mode = val
      return
    case 'signing':
      if (!SIGNING_MODES.includes(val as SigningMode)) {
        throw bad(whole, `signing must be one of ${SIGNING_MODES.join(', ')}, not '${val}'`)
      }
      settings.signing = val as SigningMode
      return
    case 'version':
      if (val !== 'v1') throw bad(whole, `only SLSA provenance v1 is produced; drop version=${val}`)
      return
    default:
      throw bad(whole, `'${key}' is not an attribute (mode, signing, version)`)
  }
}

function bad(value: string, why: string): InputError {
  const where = value.includes(',') ? ` in '${value}'` : ''
  return new InputError('provenance', `${why}${where}; ${EXAMPLES}`)
}
