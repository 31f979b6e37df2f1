/** The cleanup stage of a run: after the publish, per image, through the backend its registry needs. */
import { isGitHubRegistry } from '../inputs/login.js'
import type { MovedTags, PublishResult } from '../publish/publish.js'
import type { RegistryClient } from '../registry/index.js'
import { cleanupImage } from './cleanup.js'
import { PackagesApi, packageOf } from '../packages/api.js'
import { packagesDeleter } from './packages-deleter.js'
import { registryDeleter } from './registry-deleter.js'
import type { CleanupLogger, CleanupMode, CleanupResult, ManifestDeleter } from './types.js'

export type { CleanupMode, CleanupResult } from './types.js'
export { cleanupImage } from './cleanup.js'

export interface CleanupStage {
  mode: CleanupMode
  client: RegistryClient
  result: PublishResult
  /** The workflow token, for GitHub's Packages API. */
  githubToken: string
  apiUrl: string
  serverUrl: string
  env: NodeJS.ProcessEnv
  logger: CleanupLogger
}

/** Cleans every image the publish tagged; failures come back in the results, as warnings to show. */
export async function runCleanup(stage: CleanupStage): Promise<CleanupResult[]> {
  if (stage.mode === 'false') return []
  const keep = [stage.result.digest, ...Object.values(stage.result.platformDigests)].filter(Boolean)
  const results: CleanupResult[] = []
  for (const moved of stage.result.movedTags) {
    const before = beforeDigests(moved)
    const repo = stage.client.repository(moved.image)
    results.push(
      await cleanupImage({
        image: moved.image,
        repo,
        before,
        keep,
        deleter: deleterFor(stage, moved.image, repo.registry, registryDeleter(repo)),
        dryRun: stage.mode === 'dry-run',
        logger: stage.logger
      })
    )
  }
  return results
}

function beforeDigests(moved: MovedTags): string[] {
  return moved.tags.flatMap(t => (t.before ? [t.before] : []))
}

function deleterFor(
  stage: CleanupStage,
  image: string,
  registry: string,
  fallback: ManifestDeleter
): ManifestDeleter {
  const pkg = packageOf(image)
  if (!isGitHubRegistry(registry, stage.env) || !pkg) return fallback
  return packagesDeleter(new PackagesApi(stage.githubToken, stage.apiUrl), pkg, stage.serverUrl)
}

/** Lines for the log and the summary. */
export function cleanupLines(results: CleanupResult[]): string[] {
  return results.flatMap(r => [
    ...r.deleted.map(d => `${r.dryRun ? 'would delete' : 'deleted'} ${r.image}@${d}`),
    ...r.skipped.map(s => `kept ${r.image}@${s.digest}: ${s.reason}`)
  ])
}

/** A failed cleanup is a warning: the image is published. */
export function cleanupWarnings(results: CleanupResult[]): string[] {
  return results.flatMap(r =>
    r.failure ? [`cleanup of ${r.image} stopped (the image is published): ${r.failure}`] : []
  )
}
