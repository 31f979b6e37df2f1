/** Small conversions the publish wiring needs: inputs → BuildShape, pushed digests → subjects, the verify command. */
import type { Inputs } from '../inputs/types.js'
import type { BuildShape } from './build-parameters.js'
import type { AttestationSubject } from './types.js'

/** The build's inputs as mode=max records them; every value known to be secret listed for withholding. */
export function buildShapeFromInputs(
  inputs: Pick<
    Inputs,
    | 'platforms'
    | 'file'
    | 'context'
    | 'target'
    | 'buildArgs'
    | 'labels'
    | 'secrets'
    | 'password'
    | 'githubToken'
    | 'extras'
  >,
  builder: string,
  env: NodeJS.ProcessEnv
): BuildShape {
  const envSecrets = inputs.extras.secretEnvs.map(line => env[line.slice(line.indexOf('=') + 1).trim()] ?? '')
  return {
    builder,
    platforms: inputs.platforms,
    file: inputs.file,
    context: inputs.context,
    target: inputs.target,
    buildArgs: inputs.buildArgs,
    labels: inputs.labels,
    secrets: inputs.secrets,
    secretEnvs: inputs.extras.secretEnvs,
    secretFiles: inputs.extras.secretFiles,
    secretValues: [inputs.password, inputs.githubToken, ...envSecrets].filter(v => v !== '')
  }
}

/**
 * The subjects of one pushed image in each repository it went to: the index (or single manifest) and
 * each platform manifest. `images` may carry tags or digests (`ghcr.io/o/app:1.0`); subjects name the
 * repository only.
 */
export function imageSubjects(
  images: readonly string[],
  digest: string,
  platformDigests: Readonly<Record<string, string>> = {}
): AttestationSubject[] {
  const names = [...new Set(images.map(repositoryOf))]
  return names.flatMap(name => [
    { name, digest },
    ...Object.entries(platformDigests)
      .filter(([, d]) => d !== digest)
      .map(([platform, d]) => ({ name, digest: d, platform }))
  ])
}

/** `host/path:tag@digest` → `host/path` (a port's colon stays). */
export function repositoryOf(image: string): string {
  const withoutDigest = image.split('@')[0] ?? image
  const lastSlash = withoutDigest.lastIndexOf('/')
  const colon = withoutDigest.lastIndexOf(':')
  return colon > lastSlash ? withoutDigest.slice(0, colon) : withoutDigest
}

/** The command the summary shows to check a pushed image's provenance. */
export function verifyCommand(
  subject: Pick<AttestationSubject, 'name' | 'digest'>,
  repository: string
): string {
  return `gh attestation verify oci://${subject.name}@${subject.digest} -R ${repository}`
}
