/** The build-push-action inputs publish-image takes beyond the basics, as raw entries (see BuildExtras). */
export interface ExtraInputs {
  load: boolean
  network: string
  addHosts: string[]
  shmSize: string
  ulimits: string[]
  allow: string[]
  ssh: string[]
  buildContexts: string[]
  secretEnvs: string[]
  secretFiles: string[]
  noCacheFilters: string[]
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
