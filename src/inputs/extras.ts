import * as core from '@actions/core'
import { splitLines } from './read.js'

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

/** Newline-separated (and comma-separated where build-push-action splits on commas too). */
export function readExtraInputs(flag: (name: string) => boolean): ExtraInputs {
  const lines = (name: string) => splitLines(core.getInput(name))
  const list = (name: string) => splitLines(core.getInput(name).replace(/,/g, '\n'))
  return {
    load: flag('load'),
    network: core.getInput('network').trim(),
    addHosts: list('add-hosts'),
    shmSize: core.getInput('shm-size').trim(),
    ulimits: lines('ulimit'),
    allow: list('allow'),
    ssh: lines('ssh'),
    buildContexts: lines('build-contexts'),
    secretEnvs: lines('secret-envs'),
    secretFiles: lines('secret-files'),
    noCacheFilters: list('no-cache-filters'),
    outputs: lines('outputs')
  }
}
