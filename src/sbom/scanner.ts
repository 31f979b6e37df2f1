import { execCommand } from '../exec.js'
import { errorMessage } from '../errors.js'
import { InputError } from '../inputs/errors.js'
import type { SbomFormat, SbomRequest } from '../inputs/sbom.js'
import type { Logger } from '../registry/index.js'
import { versionAtLeast } from '../builders/version.js'
import { installSyft, NoToolCacheError, SyftChecksumError, type SyftRelease } from './install.js'
import { MINIMUM_SYFT_VERSION, PINNED_SYFT_VERSION, syftReleasePlatform } from './release.js'

/** The scanner a run uses: a syft executable and the document format to ask it for. */
export interface SbomScanner {
  /** The syft executable (a bare `syft` when found on PATH). */
  path: string
  /** syft's version, as it reports it (`1.57.1`). */
  version: string
  format: SbomFormat
  /** Where it came from, for the log: `syft 1.57.1 on PATH` or `syft 1.57.1 installed from …`. */
  source: string
}

export interface PrepareScannerOptions {
  /** Base URL of syft releases (`syft-download-url`), normalised. */
  downloadUrl: string
  env?: Record<string, string | undefined>
  run?: typeof execCommand
  /** Node's platform and arch of the runner; the process's own by default. */
  host?: { platform: string; arch: string }
  install?: typeof installSyft
}

/**
 * The scanner for `sbom`, decided before anything is built: syft on PATH when it is at least
 * MINIMUM_SYFT_VERSION, else the pinned release installed into the tool cache. When neither works
 * here (an OS or arch syft publishes no archive for, no tool cache, a download that fails its checksum)
 * it throws an InputError naming `sbom` and the fix.
 */
export async function prepareScanner(
  request: SbomRequest,
  logger: Logger,
  options: PrepareScannerOptions
): Promise<SbomScanner> {
  const run = options.run ?? execCommand
  const present = await syftVersion('syft', run, options.env)
  if (present && versionAtLeast(present, MINIMUM_SYFT_VERSION)) {
    logger.info(`sbom: syft ${present} on PATH`)
    return { path: 'syft', version: present, format: request.format, source: `syft ${present} on PATH` }
  }
  const why = present ? `syft ${present} on PATH is older than ${MINIMUM_SYFT_VERSION}` : 'no syft on PATH'
  const release = { version: PINNED_SYFT_VERSION, downloadUrl: options.downloadUrl }
  const path = await installPinned(release, why, logger, options)
  return {
    path,
    version: release.version,
    format: request.format,
    source: `syft ${release.version} installed from ${options.downloadUrl} (${why})`
  }
}

async function installPinned(
  release: SyftRelease,
  why: string,
  logger: Logger,
  options: PrepareScannerOptions
): Promise<string> {
  const host = options.host ?? { platform: process.platform, arch: process.arch }
  const platform = syftReleasePlatform(host.platform, host.arch)
  if (!platform) {
    throw new InputError(
      'sbom',
      `the SBOM scanner syft is not here (${why}) and syft publishes no release archive for ${host.platform}/${host.arch}; ` +
        'install syft on the runner (PATH), or set sbom: false'
    )
  }
  logger.info(`sbom: ${why}; installing syft v${release.version} for this run`)
  try {
    return await (options.install ?? installSyft)(release, platform, logger)
  } catch (cause) {
    const fix = installFix(cause)
    throw new InputError(
      'sbom',
      `the SBOM scanner syft is not here (${why}) and installing syft v${release.version} failed: ${errorMessage(cause)}; ${fix}, or set sbom: false`,
      { cause }
    )
  }
}

/** What to do when installing syft failed with `cause`. */
function installFix(cause: unknown): string {
  if (cause instanceof SyftChecksumError) return 'check syft-download-url'
  if (cause instanceof NoToolCacheError) {
    return 'put syft on PATH (or set RUNNER_TOOL_CACHE and RUNNER_TEMP to writable directories to install it)'
  }
  return 'check syft-download-url and the network, or install syft on the runner (PATH)'
}

/**
 * `syft version -o json`'s version (without a leading `v`), `unknown` when syft runs but says none we can
 * read, or undefined when `command` does not run.
 */
export async function syftVersion(
  command: string,
  run: typeof execCommand = execCommand,
  env: Record<string, string | undefined> = {}
): Promise<string | undefined> {
  const output = await run(command, ['version', '-o', 'json'], { env: { ...env, ...SYFT_ENV } }).catch(
    () => undefined
  )
  if (!output) return undefined
  try {
    const { version } = JSON.parse(output.stdout) as { version?: unknown }
    return typeof version === 'string' ? version.replace(/^v/, '') : 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Every syft run: no update check (a call to anchore.io), no output colours. */
export const SYFT_ENV: Readonly<Record<string, string>> = {
  SYFT_CHECK_FOR_APP_UPDATE: 'false',
  NO_COLOR: '1'
}
