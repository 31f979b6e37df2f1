import { describe, expect, it } from '@jest/globals'
import { DEFAULT_PROVENANCE, type ProvenanceSettings } from '../../../src/attest/settings.js'
import { InputError } from '../../../src/inputs/errors.js'
import { provenancePlan } from '../../../src/plan.js'

const ACTIONS = { GITHUB_ACTIONS: 'true' }
const asked = (s: Partial<ProvenanceSettings>): ProvenanceSettings => ({
  ...DEFAULT_PROVENANCE,
  explicit: true,
  ...s
})

describe('provenancePlan: what a run attests, decided before the build', () => {
  it('a workflow push gets the default (mode=min, signing auto)', () => {
    expect(provenancePlan({ provenance: DEFAULT_PROVENANCE, dryRun: false }, true, ACTIONS)).toEqual(
      DEFAULT_PROVENANCE
    )
  })

  it('outside Actions (the CLI) only when asked for: there is no workflow run to attest', () => {
    expect(provenancePlan({ provenance: DEFAULT_PROVENANCE, dryRun: false }, true, {})).toBeUndefined()
    expect(provenancePlan({ provenance: asked({ mode: 'max' }), dryRun: false }, true, {})).toEqual(
      asked({ mode: 'max' })
    )
  })

  it('nothing when nothing is pushed or provenance is false', () => {
    expect(provenancePlan({ provenance: DEFAULT_PROVENANCE, dryRun: false }, false, ACTIONS)).toBeUndefined()
    const off = asked({ mode: 'off', signing: 'off' })
    expect(provenancePlan({ provenance: off, dryRun: false }, true, ACTIONS)).toBeUndefined()
  })

  it('signing=required without an OIDC token fails here, naming provenance; a dry run only plans', () => {
    const required = asked({ signing: 'required' })
    expect(() => provenancePlan({ provenance: required, dryRun: false }, true, ACTIONS)).toThrow(InputError)
    expect(() => provenancePlan({ provenance: required, dryRun: false }, true, ACTIONS)).toThrow(/provenance/)
    expect(provenancePlan({ provenance: required, dryRun: true }, true, ACTIONS)).toEqual(required)
    const oidc = {
      ...ACTIONS,
      ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/t',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'x'
    }
    expect(provenancePlan({ provenance: required, dryRun: false }, true, oidc)).toEqual(required)
  })
})
