import type { Writable } from 'node:stream'
import type { BuilderName } from '../inputs/types.js'
import type { execCommand } from '../exec.js'
import type { Logger } from '../registry/index.js'
import type { BuildExtras } from './options/extras.js'

export type { Logger }

/** The environment a builder runs its commands with. */
export type Env = Record<string, string | undefined>

/** One `secrets` line: the value comes from the file `src` or the environment variable `env`, never argv. */
export interface SecretSpec {
  id: string
  src?: string
  env?: string
}

/**
 * Asked, for each blob the build hands over, whether it wants its bytes as they come: a sink receives
 * them (ended after the last; destroyed if the build's output ends early). The blob's digest is the
 * builder's claim, to be checked against the bytes. The build waits for a sink that is full. The chunks
 * are the builder's output itself, shared with what unpacks it: the sink's reader may read them, never
 * change them or transfer their buffers (to a worker thread).
 */
export type BlobObserver = (blob: { digest: string; size: number }) => Promise<Writable | undefined>

export interface BuildRequest {
  context: string
  /** Resolved path of the Dockerfile. */
  file: string
  /** KEY=VALUE lines (a bare KEY takes its value from the environment). */
  buildArgs: string[]
  target: string
  labels: Record<string, string>
  /** Normalised by parsePlatforms; [] builds for the native platform. */
  platforms: string[]
  noCache: boolean
  pull: boolean
  secrets: SecretSpec[]
  cacheFrom: string[]
  cacheTo: string[]
  /** An empty private temp dir the build may use; the layout goes inside it. */
  workDir: string
  registryAuth?: { dockerConfigDir?: string; authFile?: string }
  /** Extra environment for the builder, e.g. DOCKER_HOST; also where `env=` secrets are looked up first. */
  env?: Record<string, string | undefined>
  /** Fires when the run is cancelled: the build command is stopped, the builder's clean-up still runs. */
  signal?: AbortSignal
  /**
   * Called with the name of a builder instance the build creates (buildx's temporary docker-container
   * builder), and with '' once it is removed, so a post step can remove what a killed run left behind.
   */
  onTemporaryBuilder?: (name: string) => void
  /**
   * Called when the build command (or buildx's `create` of a temporary builder) is started, maybe more
   * than once; not for the quick questions before it. The registry checks wait for it, so that their
   * start-up work (a TLS context) does not delay the build's.
   */
  onBuildStarted?: () => void
  /**
   * Offered each blob of the image as the builder hands it over (buildx: its OCI tarball), before the
   * build has finished; see BlobObserver. Builders that hand over files at the end do not call it.
   */
  onBlob?: BlobObserver
  /** build-push-action's load, add-hosts, shm-size… (see BuildExtras); none when absent. */
  extras?: BuildExtras
  /** With `extras.load`: the references the loaded image gets in the docker engine (the tags). */
  loadTags?: string[]
  /** Networking mode for RUN instructions (`--network`), e.g. `host`; empty means the builder's default. */
  network?: string
}

export interface BuildResult {
  builder: BuilderName
  /**
   * An OCI image layout whose index.json lists exactly one image manifest per built platform, each
   * descriptor carrying `platform`. No nested index, no attestation manifests. Configs carry the labels.
   */
  layoutDir: string
  /** The platforms in the layout, e.g. `linux/arm/v7`; the native one when none was asked for. */
  platforms: string[]
  /** The builder's clean-up still running (it does not need the layout): await it before the step ends. */
  cleanup?: Promise<void>
}

export interface Builder {
  readonly name: BuilderName
  build(req: BuildRequest, logger: Logger): Promise<BuildResult>
}

/** The exec seam's signature; tests pass a fake. */
export type Runner = typeof execCommand
