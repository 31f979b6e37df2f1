import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { execCommand } from '../../exec.js'
import { InputError } from '../../inputs/errors.js'
import type { BuilderName } from '../../inputs/types.js'
import { findDockerClient, type DockerBuildMode } from '../docker/client.js'
import type { BuildRequest, Runner, SecretSpec } from '../types.js'
import { validateBuildArgs } from './build-args.js'
import { validateCache } from './cache.js'
import { dockerfileStages } from './dockerfile.js'
import { checkLoad, NO_EXTRAS, validateExtras } from './extras.js'
import { hostArchitecture, normalizePlatform, platformInput } from './platforms.js'
import { secretEnvValue } from './secrets.js'
import { isDirectory } from '../../files.js'

/**
 * Everything that can be checked before a build starts; throws InputError naming the input. For the
 * docker builder it also probes the docker clients, because secrets and typed caches need BuildKit.
 */
export async function validateBuildRequest(
  req: BuildRequest,
  builder: BuilderName,
  run: Runner = execCommand
): Promise<void> {
  await checkDirectory(req.context, 'context')
  await checkDockerfile(req.file)
  if (req.target) await checkTarget(req.file, req.target)
  validateBuildArgs(req.buildArgs)
  checkPlatforms(req.platforms, builder)
  await Promise.all(req.secrets.map(s => checkSecret(s, req.env)))
  checkLabels(req.labels)
  const dockerMode = builder === 'docker' ? await checkDockerCapabilities(req, run) : undefined
  validateCache(req.cacheFrom, req.cacheTo, builder, dockerMode === 'buildx')
  validateExtras(req.extras ?? NO_EXTRAS, builder, dockerMode)
  checkLoad(req.extras ?? NO_EXTRAS, req.platforms)
  if (!(await isDirectory(req.workDir)))
    throw new Error(`the build's work directory ${req.workDir} does not exist`)
}

async function checkDirectory(path: string, input: string): Promise<void> {
  if (!(await isDirectory(path))) throw new InputError(input, `${path} is not a directory`)
}

async function checkDockerfile(file: string): Promise<void> {
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) throw new InputError('file', `Dockerfile not found: ${file}`)
  await access(file, constants.R_OK).catch(cause => {
    throw new InputError('file', `cannot read the Dockerfile ${file}`, { cause })
  })
}

async function checkTarget(file: string, target: string): Promise<void> {
  const stages = await dockerfileStages(file)
  if (stages && !stages.includes(target.toLowerCase())) {
    const known = stages.length
      ? `its stages are ${stages.join(', ')}`
      : 'it names no stages (FROM … AS name)'
    throw new InputError('target', `stage '${target}' is not in ${file}: ${known}`)
  }
}

function checkPlatforms(platforms: string[], builder: BuilderName): void {
  for (const p of platforms) {
    if (normalizePlatform(p) !== p)
      throw new InputError('platforms', `'${p}' is not normalised (use parsePlatforms)`)
    if (builder === 'buildah' && platformInput(p).os !== 'linux') {
      throw new InputError('platforms', `buildah builds linux images only, not ${p}`)
    }
  }
}

async function checkSecret(spec: SecretSpec, env: BuildRequest['env']): Promise<void> {
  if (spec.src) {
    const info = await stat(spec.src).catch(() => undefined)
    const readable = await access(spec.src, constants.R_OK).then(
      () => true,
      () => false
    )
    if (!info?.isFile() || !readable) {
      throw new InputError('secrets', `secret '${spec.id}': cannot read the file ${spec.src}`)
    }
  } else if (spec.env) {
    if (!secretEnvValue(spec, env)) {
      throw new InputError(
        'secrets',
        `secret '${spec.id}': the environment variable ${spec.env} is not set or empty`
      )
    }
  } else {
    throw new InputError('secrets', `secret '${spec.id}' needs src= or env=`)
  }
}

function checkLabels(labels: Record<string, string>): void {
  for (const key of Object.keys(labels)) {
    if (!key.trim() || key.includes('=')) throw new InputError('labels', `'${key}' is not a label key`)
  }
}

async function checkDockerCapabilities(req: BuildRequest, run: Runner): Promise<DockerBuildMode> {
  const { client, reason } = await findDockerClient(req.env ?? {}, run).catch(cause => {
    throw new InputError('builder', 'the docker builder needs a docker client on PATH', { cause })
  })
  if (client.mode === 'classic' && req.secrets.length > 0) {
    throw new InputError(
      'secrets',
      `build secrets need BuildKit, but docker would use ${reason}. Install the buildx plugin or use builder: buildah`
    )
  }
  const foreign = req.platforms.find(p => platformInput(p).architecture !== hostArchitecture())
  if (client.mode === 'classic' && foreign) {
    // The classic builder may reuse a local base image of the wrong architecture and say nothing.
    throw new InputError(
      'platforms',
      `the classic docker builder cannot build ${foreign} reliably (${reason}); install the buildx plugin or use builder: buildah`
    )
  }
  return client.mode
}
