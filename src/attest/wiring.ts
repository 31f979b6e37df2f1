/** What the publish wiring hands the provenance: the build request and inputs → BuildShape. */
import type { BuildRequest } from '../builders/types.js'
import { secretValues } from '../builders/options/secrets.js'
import type { Inputs } from '../inputs/types.js'
import type { BuildShape } from './build-parameters.js'

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
