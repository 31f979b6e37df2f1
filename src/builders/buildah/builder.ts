import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { execCommand } from '../../exec.js'
import { buildahEnv } from '../credentials.js'
import { secretValues } from '../options/secrets.js'
import { importDirTransport } from '../layout/dir.js'
import { completeLayout } from '../layout/normalize.js'
import { runLogged } from '../output.js'
import { envSecretsToFiles } from '../secret-files.js'
import type { Builder, BuildRequest, BuildResult, Env, Logger, Runner } from '../types.js'
import { extractVersion } from '../version.js'
import { buildahBuildArgs, buildahSupportsEnvSecrets } from './args.js'

export async function buildahVersion(env: Env, run: Runner): Promise<string> {
  const { stdout } = await run('buildah', ['version'], { env })
  const version = extractVersion(/^Version:\s*(\S+)/m.exec(stdout)?.[1] ?? stdout)
  if (!version) throw new Error(`cannot read the version from \`buildah version\`: ${stdout.slice(0, 200)}`)
  return version
}

/** Builds every platform, one after another, into a dir: of its own, layers uncompressed, and gathers them in an OCI layout. */
export class BuildahBuilder implements Builder {
  readonly name = 'buildah' as const

  constructor(private readonly run: Runner = execCommand) {}

  async build(req: BuildRequest, logger: Logger): Promise<BuildResult> {
    const env = buildahEnv(req)
    const version = await buildahVersion(env, this.run)
    const layoutDir = join(req.workDir, 'oci')
    const secretDir = join(req.workDir, 'secrets')
    const dirExport = join(req.workDir, 'dir')
    const secrets = await secretValues(req.secrets, req.env)
    try {
      const platforms = await completeLayout(layoutDir, req, async () => {
        const fileSecrets = buildahSupportsEnvSecrets(version)
          ? req.secrets
          : await envSecretsToFiles(req.secrets, secretDir, req.env)
        // Each platform is committed straight into a dir: of its own, no list to export (one
        // `buildah build --platform a,b` then needs `manifest push --all` to copy them out one after
        // another). Not at once: concurrent builds pulling one multi-platform base tag race on its name
        // in containers storage ("locating pulled image … image not known"), and one may even build on
        // the other's architecture. The uploads of all platforms still run at once.
        const platforms = req.platforms.length <= 1 ? [req.platforms] : req.platforms.map(p => [p])
        const dirs = platforms.map((_, i) => (platforms.length === 1 ? dirExport : `${dirExport}-${i}`))
        for (const [i, only] of platforms.entries()) {
          req.signal?.throwIfAborted()
          const args = buildahBuildArgs(
            { ...req, platforms: only, secrets: fileSecrets },
            version,
            `dir:${dirs[i]}`
          )
          await runLogged(this.run, logger, 'buildah', args, { env, secrets, signal: req.signal })
        }
        const images = []
        for (const dir of dirs) images.push(...(await importDirTransport(dir, layoutDir)))
        return images
      })
      return { builder: 'buildah', layoutDir, platforms }
    } finally {
      await rm(secretDir, { recursive: true, force: true })
      await rm(dirExport, { recursive: true, force: true })
      for (let i = 0; i < req.platforms.length; i++)
        await rm(`${dirExport}-${i}`, { recursive: true, force: true })
    }
  }
}
