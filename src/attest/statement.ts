/** in-toto Statement v1 and its SLSA provenance v1 predicate for a pushed image: pure functions. */
import type { AttestationSubject } from './types.js'
import type { RunContext } from './context.js'
import { buildParameters, type BuildShape } from './build-parameters.js'
import type { ProvenanceMode } from './settings.js'

export const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1'
export const IN_TOTO_MEDIA_TYPE = 'application/vnd.in-toto+json'
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1'
/** GitHub's build type, the one @actions/attest's buildSLSAProvenancePredicate and `gh attestation verify` use. */
export const GITHUB_WORKFLOW_BUILD_TYPE = 'https://actions.github.io/buildtypes/workflow/v1'

export interface ResourceDescriptor {
  uri?: string
  name?: string
  digest: Record<string, string>
}

export interface Statement {
  _type: typeof IN_TOTO_STATEMENT_V1
  subject: { name: string; digest: Record<string, string> }[]
  predicateType: string
  predicate: unknown
}

/** A base image as the builder resolved it: the reference as written, the digest it resolved to. */
export interface BaseImage {
  /** `alpine:3.20`, `docker.io/library/alpine:3.20`, `ghcr.io/o/base@sha256:…` */
  ref: string
  digest: string
  /** `os/arch[/variant]` it was resolved for. */
  platform?: string
}

export interface ProvenanceRequestData {
  run: RunContext
  mode: Exclude<ProvenanceMode, 'off'>
  /** The build's shaping parameters; read only for mode=max. */
  build?: BuildShape
  baseImages?: BaseImage[]
}

/** One statement about `subjects` (deduplicated by digest): `name` is the image without tag. */
export function inTotoStatement(
  subjects: readonly AttestationSubject[],
  predicateType: string,
  predicate: unknown
): Statement {
  const seen = new Set<string>()
  const subject: Statement['subject'] = []
  for (const s of subjects) {
    const key = `${s.name}@${s.digest}`
    if (seen.has(key)) continue
    seen.add(key)
    subject.push({ name: s.name, digest: digestMap(s.digest) })
  }
  if (subject.length === 0) throw new Error('an attestation needs at least one subject (the pushed digest)')
  return { _type: IN_TOTO_STATEMENT_V1, subject, predicateType, predicate }
}

/** `sha256:<hex>` → `{ sha256: '<hex>' }`. */
export function digestMap(digest: string): Record<string, string> {
  const match = /^([a-z0-9]+):([a-f0-9]+)$/.exec(digest)
  if (!match?.[1] || !match[2]) throw new Error(`'${digest}' is not a digest (sha256:<hex>)`)
  return { [match[1]]: match[2] }
}

/** SLSA provenance v1 with GitHub's workflow build type; mode=max adds internalParameters.build. */
export function provenancePredicate(data: ProvenanceRequestData): Record<string, unknown> {
  const { run } = data
  const workflow = workflowOf(run)
  const github = {
    event_name: run.eventName,
    repository_id: run.repositoryId,
    repository_owner_id: run.repositoryOwnerId,
    runner_environment: run.runnerEnvironment
  }
  const internalParameters: Record<string, unknown> = { github }
  if (data.mode === 'max' && data.build) internalParameters.build = buildParameters(data.build)
  return {
    buildDefinition: {
      buildType: GITHUB_WORKFLOW_BUILD_TYPE,
      externalParameters: { workflow },
      internalParameters,
      resolvedDependencies: resolvedDependencies(run, data.baseImages ?? [])
    },
    runDetails: {
      builder: { id: `${run.serverUrl}/${run.jobWorkflowRef || run.workflowRef}` },
      metadata: {
        invocationId: `${run.serverUrl}/${run.repository}/actions/runs/${run.runId}/attempts/${run.runAttempt}`
      }
    }
  }
}

/** GITHUB_WORKFLOW_REF `owner/repo/.github/workflows/ci.yml@refs/heads/main` → its ref and path. */
export function workflowOf(run: RunContext): { ref: string; repository: string; path: string } {
  const at = run.workflowRef.lastIndexOf('@')
  const file = at < 0 ? run.workflowRef : run.workflowRef.slice(0, at)
  const ref = at < 0 ? run.ref : run.workflowRef.slice(at + 1)
  const prefix = `${run.repository}/`
  const path = file.startsWith(prefix) ? file.slice(prefix.length) : file
  return { ref, repository: `${run.serverUrl}/${run.repository}`, path }
}

function resolvedDependencies(run: RunContext, baseImages: readonly BaseImage[]): ResourceDescriptor[] {
  const deps: ResourceDescriptor[] = []
  if (run.sha) {
    deps.push({ uri: `git+${run.serverUrl}/${run.repository}@${run.ref}`, digest: { gitCommit: run.sha } })
  }
  for (const image of baseImages) deps.push({ uri: baseImagePurl(image), digest: digestMap(image.digest) })
  return deps
}

/** As BuildKit writes them: `pkg:docker/alpine@3.20?platform=linux%2Famd64`, Docker Hub's prefix dropped. */
export function baseImagePurl(image: BaseImage): string {
  const [withoutDigest = '', pinned] = image.ref.split('@')
  const lastSlash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  const hasTag = colon > lastSlash
  const name = hasTag ? withoutDigest.slice(0, colon) : withoutDigest
  const version = hasTag ? withoutDigest.slice(colon + 1) : (pinned ?? 'latest')
  const short = name.replace(/^(docker\.io|index\.docker\.io)\//, '').replace(/^library\//, '')
  const query = image.platform ? `?platform=${encodeURIComponent(image.platform)}` : ''
  return `pkg:docker/${short}@${version}${query}`
}
