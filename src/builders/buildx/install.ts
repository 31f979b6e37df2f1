import * as tc from '@actions/tool-cache'
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { chmod, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../types.js'
import {
  buildxAssetName,
  buildxAssetUrl,
  parseChecksums,
  pinnedChecksum,
  releasePlatform
} from './release.js'

/** Which buildx release to install, from where. */
export interface BuildxRelease {
  /** `x.y.z`, no leading `v`. */
  version: string
  /** The base URL the `v<version>/<asset>` paths hang off (GitHub's releases or a mirror). */
  downloadUrl: string
}

/** The tool-cache name of the installed plugin. */
export const BUILDX_TOOL = 'docker-buildx'

/** A downloaded asset whose sha256 is not the expected one; nothing was cached. */
export class ChecksumError extends Error {
  constructor(
    readonly asset: string,
    readonly expected: string,
    readonly actual: string,
    source: string
  ) {
    super(
      `buildx release asset ${asset} has sha256 ${actual}, expected ${expected} (${source}); nothing was cached. ` +
        'Check buildx-download-url (a mirror serving another file?) and buildx-version, or install the buildx plugin yourself'
    )
    this.name = 'ChecksumError'
  }
}

export function pluginFileName(platform: string): string {
  return platform.startsWith('windows-') ? `${BUILDX_TOOL}.exe` : BUILDX_TOOL
}

/**
 * The buildx plugin executable for `release` on this runner: from the tool cache, or downloaded, checked
 * against the pinned sha256 (or the release's checksums.txt for other versions and platforms) and only
 * then cached. Needs RUNNER_TOOL_CACHE and RUNNER_TEMP (the runner sets them).
 */
export async function installBuildx(
  release: BuildxRelease,
  logger: Logger,
  platform: string = releasePlatform(process.platform, process.arch)
): Promise<string> {
  requireRunnerDirs()
  const file = pluginFileName(platform)
  const cached = tc.find(BUILDX_TOOL, release.version, platform)
  if (cached) {
    logger.info(`buildx: v${release.version} from the tool cache (${cached})`)
    return join(cached, file)
  }
  const asset = buildxAssetName(release.version, platform)
  const url = buildxAssetUrl(release.downloadUrl, release.version, asset)
  logger.info(`buildx: downloading ${url}`)
  const downloaded = await tc.downloadTool(url)
  try {
    const { expected, source } = await expectedChecksum(release, asset, platform)
    const actual = await sha256File(downloaded)
    if (actual !== expected) throw new ChecksumError(asset, expected, actual, source)
    logger.info(`buildx: ${asset} sha256 ${actual} matches ${source}`)
    await chmod(downloaded, 0o755)
    const dir = await tc.cacheFile(downloaded, file, BUILDX_TOOL, release.version, platform)
    return join(dir, file)
  } finally {
    await rm(downloaded, { force: true })
  }
}

/** tool-cache keeps tools in RUNNER_TOOL_CACHE and downloads into RUNNER_TEMP; outside a runner neither is set. */
function requireRunnerDirs(): void {
  for (const name of ['RUNNER_TOOL_CACHE', 'RUNNER_TEMP']) {
    if (!process.env[name]) {
      throw new Error(
        `installing buildx needs ${name} (the Actions runner sets it): set it to a writable directory, or install the docker buildx plugin yourself`
      )
    }
  }
}

/** The sha256 the asset must have: pinned in the action, else from the release's checksums.txt. */
async function expectedChecksum(
  release: BuildxRelease,
  asset: string,
  platform: string
): Promise<{ expected: string; source: string }> {
  const pinned = pinnedChecksum(release.version, platform)
  if (pinned) return { expected: pinned, source: 'the checksum pinned in the action' }
  const url = buildxAssetUrl(release.downloadUrl, release.version, 'checksums.txt')
  const file = await tc.downloadTool(url)
  try {
    const expected = parseChecksums(await readFile(file, 'utf8')).get(asset)
    if (!expected) {
      throw new Error(`${url} lists no sha256 for ${asset}; check buildx-version and buildx-download-url`)
    }
    return { expected, source: url }
  } finally {
    await rm(file, { force: true })
  }
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}
