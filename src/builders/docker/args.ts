import { commonBuildFlags, secretFlags } from '../args.js'
import { InputError } from '../../inputs/errors.js'
import type { BuildRequest } from '../types.js'
import { versionAtLeast } from '../version.js'
import type { DockerClient } from './client.js'

/** Built-in BuildKit reads env= secrets from docker 20.10 on; buildx always could. */
export function dockerSupportsEnvSecrets(client: Pick<DockerClient, 'mode' | 'version'>): boolean {
  return client.mode === 'buildx' || (client.mode === 'buildkit' && versionAtLeast(client.version, '20.10'))
}

/** One `docker build` for one platform (undefined: the daemon's own), tagged `tag` so it can be saved. */
export function dockerBuildArgs(
  req: BuildRequest,
  client: Pick<DockerClient, 'mode' | 'version' | 'buildxVersion'>,
  platform: string | undefined,
  tag: string
): string[] {
  if (client.mode === 'classic' && req.secrets.length > 0) {
    throw new InputError('secrets', 'build secrets need BuildKit, which this docker client lacks')
  }
  const viaBuildx = client.mode === 'buildx'
  return [
    'build',
    '--tag',
    tag,
    ...commonBuildFlags(req),
    ...(platform ? ['--platform', platform] : []),
    ...(req.pull ? ['--pull'] : []),
    ...secretFlags(req.secrets, dockerSupportsEnvSecrets(client)),
    ...req.cacheFrom.flatMap(e => ['--cache-from', e]),
    // With buildx, `docker build` uses the current builder, which may not load into the engine by default.
    ...(viaBuildx ? ['--load'] : []),
    ...(viaBuildx && versionAtLeast(client.buildxVersion ?? '', '0.10') ? ['--provenance=false'] : []),
    req.context
  ]
}

export function dockerSaveArgs(tag: string, tarFile: string): string[] {
  return ['save', '--output', tarFile, tag]
}
