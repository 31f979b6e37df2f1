import * as tc from '@actions/tool-cache'
import { chmod } from 'node:fs/promises'
import { join } from 'node:path'
import { downloadVerified, listedChecksum, type ExpectedChecksum } from '../../runtime/tool-download.js'
import type { Logger } from '../types.js'
import { buildxAssetName, buildxAssetUrl, pinnedChecksum, releasePlatform } from './release.js'

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
  return downloadVerified({
    url: buildxAssetUrl(release.downloadUrl, release.version, asset),
    asset,
    expected: () => expectedChecksum(release, asset, platform),
    mismatch: (e, actual) => new ChecksumError(asset, e.expected, actual, e.source),
    use: async downloaded => {
      await chmod(downloaded, 0o755)
      const dir = await tc.cacheFile(downloaded, file, BUILDX_TOOL, release.version, platform)
      return join(dir, file)
    },
    log: message => logger.info(`buildx: ${message}`)
  })
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
function expectedChecksum(
  release: BuildxRelease,
  asset: string,
  platform: string
): Promise<ExpectedChecksum> {
  const pinned = pinnedChecksum(release.version, platform)
  if (pinned) return Promise.resolve({ expected: pinned, source: 'the checksum pinned in the action' })
  const url = buildxAssetUrl(release.downloadUrl, release.version, 'checksums.txt')
  return listedChecksum(url, asset, 'check buildx-version and buildx-download-url')
}
