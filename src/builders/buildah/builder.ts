import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { execCommand } from '../../exec.js'
import { buildahEnv } from '../credentials.js'
import { secretValues } from '../options/secrets.js'
import { importDirTransport } from '../layout/dir.js'
import { completeLayout } from '../layout/normalize.js'
import { runLogged, runQuietly } from '../output.js'
import { envSecretsToFiles } from '../secret-files.js'
import type { Builder, BuildRequest, BuildResult, Env, Logger, Runner } from '../types.js'
import { extractVersion } from '../version.js'
import { buildahBuildArgs, buildahPushArgs, buildahSupportsEnvSecrets } from './args.js'
import { parseImageIndex } from '../../registry/index.js'

export async function buildahVersion(env: Env, run: Runner): Promise<string> {
  const { stdout } = await run('buildah', ['version'], { env })
  const version = extractVersion(/^Version:\s*(\S+)/m.exec(stdout)?.[1] ?? stdout)
  if (!version) throw new Error(`cannot read the version from \`buildah version\`: ${stdout.slice(0, 200)}`)
  return version
}

/** Builds every platform into a temporary local manifest list, then writes it as an OCI layout. */
export class BuildahBuilder implements Builder {
  readonly name = 'buildah' as const

  constructor(private readonly run: Runner = execCommand) {}

  async build(req: BuildRequest, logger: Logger): Promise<BuildResult> {
    const env = buildahEnv(req)
    const version = await buildahVersion(env, this.run)
    const manifest = `localhost/publish-image-build-${randomUUID()}`
    const layoutDir = join(req.workDir, 'oci')
    const secretDir = join(req.workDir, 'secrets')
    const dirExport = join(req.workDir, 'dir')
    const secrets = await secretValues(req.secrets, req.env)
    let built = false
    try {
      const platforms = await completeLayout(layoutDir, req, async () => {
        const fileSecrets = buildahSupportsEnvSecrets(version)
          ? req.secrets
          : await envSecretsToFiles(req.secrets, secretDir, req.env)
        // One platform: committed straight into dir:, no list to export.
        const single = req.platforms.length <= 1
        const output = single ? `dir:${dirExport}` : manifest
        const args = buildahBuildArgs({ ...req, secrets: fileSecrets }, version, output)
        await runLogged(this.run, logger, 'buildah', args, { env, secrets, signal: req.signal })
        if (!single) {
          const push = buildahPushArgs(manifest, dirExport)
          await runLogged(this.run, logger, 'buildah', push, { env, secrets, signal: req.signal })
        }
        return importDirTransport(dirExport, layoutDir)
      })
      built = true
      // The local list and images are removed while the layout is pushed: off the critical path.
      const cleanup = this.removeManifest(manifest, env, logger).catch(() => {})
      return { builder: 'buildah', layoutDir, platforms, cleanup }
    } finally {
      await rm(secretDir, { recursive: true, force: true })
      await rm(dirExport, { recursive: true, force: true })
      if (!built) await this.removeManifest(manifest, env, logger)
    }
  }

  /** Removes the temporary list and the images built into it; base images and layer caches stay. */
  private async removeManifest(manifest: string, env: Env, logger: Logger): Promise<void> {
    const inspected = await this.run('buildah', ['manifest', 'inspect', manifest], { env }).catch(
      () => undefined
    )
    if (!inspected) return
    const digests = listedDigests(inspected.stdout, logger)
    const images = await runQuietly(
      this.run,
      logger,
      'buildah',
      ['images', '--no-trunc', '--format', '{{.ID}} {{.Digest}}'],
      env
    )
    const ids = (images?.stdout ?? '')
      .split('\n')
      .map(line => line.trim().split(/\s+/))
      .filter(([, digest]) => digest !== undefined && digests.includes(digest))
      .map(([id]) => id as string)
    await runQuietly(this.run, logger, 'buildah', ['manifest', 'rm', manifest], env)
    if (ids.length > 0) await runQuietly(this.run, logger, 'buildah', ['rmi', ...new Set(ids)], env)
  }
}

/** The digests `buildah manifest inspect` lists; none (logged) when its output is not an index. */
function listedDigests(inspectOutput: string, logger: Logger): string[] {
  try {
    return parseImageIndex(inspectOutput, 'buildah manifest inspect').manifests.map(m => m.digest)
  } catch (error) {
    logger.debug(`cannot tell the images of the temporary list: ${String(error)}`)
    return []
  }
}
