import * as tc from '@actions/tool-cache'
import { chmod, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../registry/index.js'
import { downloadVerified, listedChecksum } from '../runtime/tool-download.js'
import { syftAssetName, syftAssetUrl, syftChecksumsName } from './release.js'

/** Which syft release to install, from where. */
export interface SyftRelease {
  /** `x.y.z`, no leading `v`. */
  version: string
  /** The base URL the `v<version>/<asset>` paths hang off (GitHub's releases or a mirror). */
  downloadUrl: string
}

/** The tool-cache name of the installed scanner. */
export const SYFT_TOOL = 'syft'

/** A downloaded archive whose sha256 is not the one the release lists; nothing was cached. */
export class SyftChecksumError extends Error {
  constructor(
    readonly asset: string,
    readonly expected: string,
    readonly actual: string,
    source: string
  ) {
    super(
      `syft release asset ${asset} has sha256 ${actual}, expected ${expected} (${source}); nothing was cached. ` +
        'Check syft-download-url (a mirror serving another file?), or install syft on the runner yourself'
    )
    this.name = 'SyftChecksumError'
  }
}

/**
 * The syft executable of `release` for `platform` (`linux_amd64`…): from the tool cache, or downloaded,
 * checked against the sha256 the release's checksums file lists, and only then extracted and cached.
 * Needs RUNNER_TOOL_CACHE and RUNNER_TEMP (the runner sets them).
 */
export async function installSyft(release: SyftRelease, platform: string, logger: Logger): Promise<string> {
  requireRunnerDirs()
  const cached = tc.find(SYFT_TOOL, release.version, platform)
  if (cached) {
    logger.info(`syft: v${release.version} from the tool cache (${cached})`)
    return join(cached, SYFT_TOOL)
  }
  const asset = syftAssetName(release.version, platform)
  const checksums = syftAssetUrl(release.downloadUrl, release.version, syftChecksumsName(release.version))
  return downloadVerified({
    url: syftAssetUrl(release.downloadUrl, release.version, asset),
    asset,
    // No sha256 is pinned in the action: the release's own list, from where the archive is (README, `sbom`).
    expected: () => listedChecksum(checksums, asset, 'check syft-download-url'),
    mismatch: (e, actual) => new SyftChecksumError(asset, e.expected, actual, e.source),
    use: archive => cacheExtracted(archive, release.version, platform),
    log: message => logger.info(`syft: ${message}`)
  })
}

/** Extracts the verified archive and caches only its `syft` executable. */
async function cacheExtracted(archive: string, version: string, platform: string): Promise<string> {
  const extracted = await tc.extractTar(archive)
  try {
    const binary = join(extracted, SYFT_TOOL)
    await chmod(binary, 0o755).catch((cause: unknown) => {
      throw new Error(`the syft archive has no ${SYFT_TOOL} executable at its top`, { cause })
    })
    const dir = await tc.cacheFile(binary, SYFT_TOOL, SYFT_TOOL, version, platform)
    return join(dir, SYFT_TOOL)
  } finally {
    await rm(extracted, { recursive: true, force: true })
  }
}

/** No tool cache to install into: outside a runner (the CLI) RUNNER_TOOL_CACHE and RUNNER_TEMP are unset. */
export class NoToolCacheError extends Error {
  constructor(readonly variable: string) {
    super(`installing syft needs ${variable} (the Actions runner sets it)`)
    this.name = 'NoToolCacheError'
  }
}

/** tool-cache keeps tools in RUNNER_TOOL_CACHE and downloads into RUNNER_TEMP. */
function requireRunnerDirs(): void {
  for (const name of ['RUNNER_TOOL_CACHE', 'RUNNER_TEMP']) {
    if (!process.env[name]) throw new NoToolCacheError(name)
  }
}
