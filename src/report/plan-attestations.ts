/** The attestations a dry run's plan lists: what each pushed subject would get, and how it would be signed. */
import type { RunPlan } from '../plan.js'

/** `Attestations:` with a line per subject (the index, each platform manifest), then `Signing:`. */
export function attestationLines(plan: RunPlan): string[] {
  if (!plan.push) return ['Attestations: none (nothing is pushed)']
  const provenance = plan.provenance ? [`provenance mode=${plan.provenance.mode}`] : []
  const sbom = plan.kind === 'build' && plan.sbom ? [`SBOM ${plan.sbom.request.format}`] : []
  if (!provenance.length && !sbom.length) return ['Attestations: none']
  const { index, platforms } = subjectsOf(plan)
  const lines = [
    ...(index && provenance.length ? [`index: ${provenance.join(', ')}`] : []),
    ...platforms.map(p => `${p}: ${[...provenance, ...sbom].join(', ')}`)
  ]
  return [
    'Attestations (OCI referrers, stored before any tag moves):',
    ...lines.map(l => `  ${l}`),
    `Signing: ${signingText(plan)}`
  ]
}

/**
 * What the publish attests: a merge its index only; a build its index (several platforms, not a leg)
 * and each platform manifest.
 */
function subjectsOf(plan: RunPlan): { index: boolean; platforms: string[] } {
  if (plan.kind === 'merge') return { index: true, platforms: [] }
  const platforms = plan.build.platforms.length ? plan.build.platforms : ['the runner’s platform']
  return { index: !plan.byDigest && platforms.length > 1, platforms }
}

/** The signing decision as far as it is known without a token: the mode, and whether this job can get one. */
function signingText(plan: RunPlan): string {
  const signing = plan.provenance?.signing ?? 'auto'
  if (signing === 'off') return 'off (signing=off): published unsigned'
  if (signing === 'required') {
    const here = plan.oidc
      ? 'this job can get one'
      : 'this job cannot get one: the run would fail before building'
    return `required: signed with the job's OIDC token (signing=required); ${here}`
  }
  const here = plan.oidc ? 'this job can get one' : 'this job cannot: published unsigned, with a warning'
  return `signed if an OIDC token is available (signing=auto); ${here}`
}
