import type { ExtraInputs } from './extras.js'
import type { Compression } from '../registry/index.js'
import type { SbomRequest } from './sbom.js'
import type { ProvenanceSettings } from '../attest/settings.js'

export type BuilderName = 'buildx' | 'buildah' | 'docker'
export type BuilderChoice = 'auto' | BuilderName
export type PushMode = 'auto' | 'true' | 'false'

/** Every input of action.yml, read once (src/inputs/read.ts) and typed. Lists are raw, trimmed lines. */
export interface Inputs {
  registry: string
  /** docker/metadata-action `images` lines; empty means `<registry>/<owner>/<repo>`. */
  images: string[]
  tags: string[]
  flavor: string[]
  labels: string[]
  annotations: string[]
  description: string
  licenses: string
  source: string
  username: string
  password: string
  githubToken: string
  context: string
  /** Empty means `<context>/Dockerfile`. */
  file: string
  buildArgs: string[]
  secrets: string[]
  target: string
  /** `os/arch[/variant]` entries; empty means the runner's own platform. */
  platforms: string[]
  builder: BuilderChoice
  /** The buildx release to install when buildx is missing or too old; empty means the pin. */
  buildxVersion: string
  /** Base URL of buildx releases; empty means GitHub's. */
  buildxDownloadUrl: string
  noCache: boolean
  pull: boolean
  cacheFrom: string[]
  cacheTo: string[]
  push: PushMode
  pushByDigest: boolean
  merge: boolean
  /** `sha256:…` or `platform=sha256:…` lines: the platform images a merge puts in one index. */
  digests: string[]
  dryRun: boolean
  summary: boolean
  /** How long the registry writes after the build (push, merge) may take in all. */
  pushTimeoutMinutes: number
  /** load, network, add-hosts… (build-push-action's names). */
  extras: ExtraInputs
  /** Delete what the moved tags named before and nothing reaches any more; dry-run only lists it. */
  cleanup: CleanupMode
  /** SLSA provenance for the pushed image: mode (off, min, max) and whether it must be signed. */
  provenance: ProvenanceSettings
  /** How layers are compressed as they upload; default gzip. */
  compression?: Compression
  /** Undefined: the compression's default level. */
  compressionLevel?: number
  /** `sbom`: an SBOM per platform image, attached to the pushed image; undefined is off. */
  sbom?: SbomRequest
  /** Base URL of syft releases, for when `sbom` needs syft and none is on PATH; empty means GitHub's. */
  syftDownloadUrl?: string
}

export type CleanupMode = 'false' | 'true' | 'dry-run'
