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
import {
  buildConcurrently,
  planStores,
  removePlatformStore,
  type PlatformStore,
  type StorePlan
} from './platform-stores.js'

export async function buildahVersion(env: Env, run: Runner): Promise<string> {
  const { stdout } = await run('buildah', ['version'], { env })
  const version = extractVersion(/^Version:\s*(\S+)/m.exec(stdout)?.[1] ?? stdout)
  if (!version) throw new Error(`cannot read the version from \`buildah version\`: ${stdout.slice(0, 200)}`)
  return version
}

/** Builds every platform at once, each into a dir: of its own, layers uncompressed, and gathers them in an OCI layout. */
export class BuildahBuilder implements Builder {
  readonly name = 'buildah' as const

  /** `version`: buildah's, when the selection already asked. */
  constructor(
    private readonly run: Runner = execCommand,
    private readonly version?: string
  ) {}

  async build(req: BuildRequest, logger: Logger): Promise<BuildResult> {
    const env = buildahEnv(req)
    const version = this.version ?? (await buildahVersion(env, this.run))
    const layoutDir = join(req.workDir, 'oci')
    const secretDir = join(req.workDir, 'secrets')
    const dirExport = join(req.workDir, 'dir')
    const secrets = await secretValues(req.secrets, req.env)
    const groups = req.platforms.length <= 1 ? [req.platforms] : req.platforms.map(p => [p])
    const dirs = groups.map((_, i) => (groups.length === 1 ? dirExport : `${dirExport}-${i}`))
    let stores: PlatformStore[] = []
    try {
      const platforms = await completeLayout(layoutDir, req, async () => {
        const fileSecrets = buildahSupportsEnvSecrets(version)
          ? req.secrets
          : await envSecretsToFiles(req.secrets, secretDir, req.env)
        const plan = await planStores(this.run, env, logger, groups.length, req.workDir)
        stores = plan.stores
        const b = { req: { ...req, secrets: fileSecrets }, version, env, secrets, logger }
        await buildEachPlatform(this.run, b, groups, dirs, plan)
        const images = []
        for (const dir of dirs) images.push(...(await importDirTransport(dir, layoutDir)))
        return images
      })
      return { builder: 'buildah', layoutDir, platforms }
    } finally {
      await Promise.all(stores.map(store => removePlatformStore(store, this.run, env, logger)))
      for (const dir of [secretDir, ...dirs]) await rm(dir, { recursive: true, force: true })
    }
  }
}

interface PlatformBuild {
  req: BuildRequest
  version: string
  env: Env
  secrets: readonly string[]
  logger: Logger
}

/**
 * One `buildah build` per platform group, all at once: each commits straight into its dir: (no list to
 * export: one `buildah build --platform a,b` needs `manifest push --all` to copy the images out one
 * after another) and works in its own store (see platform-stores.ts).
 */
async function buildEachPlatform(
  run: Runner,
  b: PlatformBuild,
  groups: string[][],
  dirs: string[],
  plan: StorePlan
): Promise<void> {
  const builds = groups.map((only, i) => (signal: AbortSignal) => {
    const args = buildahBuildArgs({ ...b.req, platforms: only }, b.version, `dir:${dirs[i]}`)
    const log = groups.length === 1 ? b.logger : prefixed(b.logger, `[${only.join(',')}] `)
    const flags = plan.stores[i]?.flags ?? []
    const onStarted = b.req.onBuildStarted
    return runLogged(run, log, 'buildah', [...flags, ...args], {
      env: b.env,
      secrets: b.secrets,
      signal,
      onStarted
    })
  })
  await buildConcurrently(builds, plan.atOnce, b.req.signal)
}

/** The logger with every line of one platform's build marked, as concurrent builds interleave. */
function prefixed(logger: Logger, prefix: string): Logger {
  return { ...logger, info: line => logger.info(prefix + line) }
}
