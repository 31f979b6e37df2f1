/** What the `provenance` input asks for (parsed in src/inputs/provenance.ts). */

/** `min`: what GitHub's own provenance says; `max`: also the build's shaping parameters (never secrets). */
export type ProvenanceMode = 'off' | 'min' | 'max'

/**
 * `auto`: sign when the job can get an OIDC token, else publish unsigned with a warning;
 * `required`: fail (before building) when it cannot; `off`: never sign, no warning.
 */
export type SigningMode = 'auto' | 'required' | 'off'

export interface ProvenanceSettings {
  mode: ProvenanceMode
  signing: SigningMode
  /** false when the input was left empty (the default: provenance for pushes, mode=min). */
  explicit: boolean
}

export const DEFAULT_PROVENANCE: ProvenanceSettings = { mode: 'min', signing: 'auto', explicit: false }
