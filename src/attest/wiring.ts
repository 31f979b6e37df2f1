/** Small conversions the publish wiring needs: inputs → BuildShape, pushed digests → subjects, the verify command. */
import type { BuildRequest } from '../builders/types.js'
import { secretValues } from '../builders/options/secrets.js'
import type { Inputs } from '../inputs/types.js'
import type { BuildShape } from './build-parameters.js'
import type { AttestationSubject } from './types.js'

/**
 * The build as mode=max records it, from the parsed build request (the `secrets`, `secret-envs` and
 * `secret-files` lines already turned into ids and sources): every secret's content is read, from its
 * file or its variable, so that a build-arg or label carrying it is withheld.
 */
export async function buildShapeOf(
  build: Pick<BuildRequest, 'platforms' | 'file' | 'context' | 'target' | 'buildArgs' | 'secrets' | 'env'>,
  inputs: Pick<Inputs, 'labels' | 'password' | 'githubToken'>,
  builder: string,
  env: NodeJS.ProcessEnv
): Promise<BuildShape> {
  const contents = await secretValues(build.secrets, { ...env, ...build.env })
  return {
    builder,
    platforms: build.platforms,
    file: build.file,
    context: build.context,
    target: build.target,
    buildArgs: build.buildArgs,
    labels: inputs.labels,
    secretIds: build.secrets.map(s => s.id),
    secretValues: [...contents, inputs.password, inputs.githubToken].filter(v => v !== '')
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
