/**
 * buildx release assets: which one fits this runner, where it is, and the sha256 it must have. Pure.
 */

/**
 * The oldest buildx the action runs as it is: 0.12.0 is the first with `--annotation` and the
 * `host-gateway` mapping in `--add-host` (build-push-action users' `add-hosts`), and its `--metadata-file`
 * carries the build ref the action logs. An older (or no) plugin gets the pinned release for the run.
 */
export const MINIMUM_BUILDX_VERSION = '0.12.0'

/** The release installed when buildx is missing or too old and no `buildx-version` is given. */
export const PINNED_BUILDX_VERSION = '0.35.0'

/** sha256 of the pinned release's Linux assets, as the docker official image's Dockerfile publishes them. */
export const PINNED_BUILDX_SHA256: Readonly<Record<string, string>> = {
  'linux-amd64': 'd41ece72044243b4f58b343441ae37446d9c29a7d6b5e11c61847bbcf8f7dfda',
  'linux-arm64': 'c4248d6cbc4a619a7e0b4609c11e509ad4ac0b475e1c64817c0ac20c5d90c766',
  'linux-arm-v7': 'e1fe67cbe2d5a7b242e5f732a9708e6abaa6d19d717e65bfbd1d13baa8669d1f',
  'linux-ppc64le': 'bcee77464deb25cfd0b905d4d871b0aad1b1164d6bcdf8b2fd8b1adb1db021c3',
  'linux-riscv64': '3ecaf173eb24402ba29e9d3b7ddac4bde259a3a54e98112077014918ab49f61f',
  'linux-s390x': 'ef1738f3c70166e968d1bca3f853dbc515a3aa7ffa82f1a2ded033a050cd3203'
}

export const DEFAULT_BUILDX_DOWNLOAD_URL = 'https://github.com/docker/buildx/releases/download'

/** Node's `process.arch` → buildx's release arch. */
const ARCHES: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm-v7',
  ppc64: 'ppc64le',
  riscv64: 'riscv64',
  s390x: 's390x'
}

/** Node's `process.platform` → buildx's release OS. */
const OSES: Readonly<Record<string, string>> = { linux: 'linux', darwin: 'darwin', win32: 'windows' }

/** `linux-amd64`, `darwin-arm64`…: the part of an asset name that says where it runs. */
export function releasePlatform(platform: string, arch: string): string {
  const os = OSES[platform]
  const releaseArch = ARCHES[arch]
  if (!os || !releaseArch) {
    throw new Error(
      `buildx publishes no release for ${platform}/${arch}; install the docker buildx plugin yourself`
    )
  }
  return `${os}-${releaseArch}`
}

/** `buildx-v0.35.0.linux-amd64` (`.exe` on Windows), as on the release page. */
export function buildxAssetName(version: string, platform: string): string {
  const suffix = platform.startsWith('windows-') ? '.exe' : ''
  return `buildx-v${version}.${platform}${suffix}`
}

/** `<base>/v<version>/<asset>`. */
export function buildxAssetUrl(baseUrl: string, version: string, asset: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v${version}/${asset}`
}

/** The pinned sha256 of `asset`, or undefined when only the release's checksums.txt can say. */
export function pinnedChecksum(version: string, platform: string): string | undefined {
  return version === PINNED_BUILDX_VERSION ? PINNED_BUILDX_SHA256[platform] : undefined
}

export { parseChecksums } from '../../runtime/tool-download.js'

/**
 * `buildx-version` as a bare `x.y.z` (a leading `v` is dropped); empty means the pin. `latest` and ranges
 * are refused: the action installs one exact, verified release.
 */
export function normalizeBuildxVersion(value: string): string {
  const trimmed = value.trim()
  if (trimmed === '') return PINNED_BUILDX_VERSION
  const version = trimmed.replace(/^v/i, '')
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) {
    throw new Error(
      `'${value}' is not a buildx release version; give an exact one such as ${PINNED_BUILDX_VERSION} ('latest' and ranges are not supported), or leave it empty for the pinned ${PINNED_BUILDX_VERSION}`
    )
  }
  return version
}

/** `buildx-download-url`: an http(s) base URL; empty means GitHub's releases. */
export function normalizeDownloadUrl(value: string): string {
  const trimmed = value.trim()
  if (trimmed === '') return DEFAULT_BUILDX_DOWNLOAD_URL
  let url: URL
  try {
    url = new URL(trimmed)
  } catch (cause) {
    throw new Error(`'${value}' is not a URL; e.g. ${DEFAULT_BUILDX_DOWNLOAD_URL}`, { cause })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`'${value}' is not an http(s) URL; e.g. ${DEFAULT_BUILDX_DOWNLOAD_URL}`)
  }
  return trimmed.replace(/\/+$/, '')
}
