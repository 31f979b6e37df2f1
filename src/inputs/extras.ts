/** The build-push-action inputs publish-image takes beyond the basics, as raw entries (see BuildExtras). */
export interface ExtraInputs {
  /** Also leave the image in the local docker engine, for later steps. */
  load: boolean
  /** Network mode of RUN steps (`--network`). */
  network: string
  /** `host:ip` entries (`--add-host`); comma- or newline-separated. */
  addHosts: string[]
  /** `/dev/shm` size of RUN steps, e.g. `2g`. */
  shmSize: string
  /** `type=soft:hard` entries (`--ulimit`). */
  ulimits: string[]
  /** Extra privileges, e.g. `network.host`, `security.insecure` (`--allow`); comma-separated too. */
  allow: string[]
  /** SSH agent sockets or keys for RUN --mount=type=ssh: `default` or `id=path` (`--ssh`). */
  ssh: string[]
  /** Named contexts: `name=path|docker-image://…|https://…` (`--build-context`). */
  buildContexts: string[]
  /** `id=ENV` build secrets from environment variables. */
  secretEnvs: string[]
  /** `id=path` build secrets from files. */
  secretFiles: string[]
  /** Stages built without cache (`--no-cache-filter`); comma-separated too. */
  noCacheFilters: string[]
  /** Outputs besides the registry push, buildx syntax (`--output`), e.g. `type=local,dest=out`. */
  outputs: string[]
}

export const NO_EXTRA_INPUTS: ExtraInputs = {
  load: false,
  network: '',
  addHosts: [],
  shmSize: '',
  ulimits: [],
  allow: [],
  ssh: [],
  buildContexts: [],
  secretEnvs: [],
  secretFiles: [],
  noCacheFilters: [],
  outputs: []
}
