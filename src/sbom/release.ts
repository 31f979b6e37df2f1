/**
 * syft release assets: which one fits this runner and where it is. Pure.
 */

/** The syft installed when none is on PATH (or it is older than MINIMUM_SYFT_VERSION). */
export const PINNED_SYFT_VERSION = '1.57.1'

/** The oldest syft whose command line the action uses: `syft scan`, `-o FORMAT=FILE`, `--source-name`. */
export const MINIMUM_SYFT_VERSION = '1.0.0'

export const DEFAULT_SYFT_DOWNLOAD_URL = 'https://github.com/anchore/syft/releases/download'

/** Node's `process.arch` → syft's release arch (goreleaser's GOARCH names). */
const ARCHES: Readonly<Record<string, string>> = {
  x64: 'amd64',
  arm64: 'arm64',
  ppc64: 'ppc64le',
  s390x: 's390x'
}

/** Node's `process.platform` → syft's release OS, for the tar.gz archives (Windows has zips only). */
const OSES: Readonly<Record<string, string>> = { linux: 'linux', darwin: 'darwin' }

/** `linux_amd64`, `darwin_arm64`…: the part of an asset name that says where it runs; undefined when none fits. */
export function syftReleasePlatform(platform: string, arch: string): string | undefined {
  const os = OSES[platform]
  const releaseArch = ARCHES[arch]
  if (!os || !releaseArch || (os === 'darwin' && !['amd64', 'arm64'].includes(releaseArch))) return undefined
  return `${os}_${releaseArch}`
}

/** `syft_1.57.1_linux_amd64.tar.gz`, as on the release page. */
export function syftAssetName(version: string, platform: string): string {
  return `syft_${version}_${platform}.tar.gz`
}

/** `syft_1.57.1_checksums.txt`: the release's sha256 of every asset. */
export function syftChecksumsName(version: string): string {
  return `syft_${version}_checksums.txt`
}

/** `<base>/v<version>/<asset>`. */
export function syftAssetUrl(baseUrl: string, version: string, asset: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/v${version}/${asset}`
}

/** `syft-download-url`: an http(s) base URL; empty means GitHub's releases. Throws a message without the name. */
export function normalizeSyftDownloadUrl(value: string): string {
  const trimmed = value.trim()
  if (trimmed === '') return DEFAULT_SYFT_DOWNLOAD_URL
  let url: URL
  try {
    url = new URL(trimmed)
  } catch (cause) {
    throw new Error(`'${value}' is not a URL; e.g. ${DEFAULT_SYFT_DOWNLOAD_URL}`, { cause })
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new Error(`'${value}' is not an http(s) URL; e.g. ${DEFAULT_SYFT_DOWNLOAD_URL}`)
  }
  return trimmed.replace(/\/+$/, '')
}
