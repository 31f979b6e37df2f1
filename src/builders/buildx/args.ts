import { randomBytes } from 'node:crypto'
import { commonBuildFlags, secretFlags } from '../args.js'
import type { BuildRequest } from '../types.js'
import { versionAtLeast } from '../version.js'

export interface BuildxTarget {
  /** A builder instance to use instead of the current one. */
  builder?: string
  /** Where the OCI tarball goes: a file, or `-` for stdout. */
  dest: string
  /** Where buildx writes what it built (`--metadata-file`). */
  metadataFile?: string
}

/**
 * `docker buildx build` exporting an OCI tarball (all platforms in one index) and nothing else: no
 * push, no load. Attestations are switched off because the layout must hold images only.
 */
export function buildxBuildArgs(req: BuildRequest, version: string, target: BuildxTarget): string[] {
  return [
    'buildx',
    'build',
    ...(target.builder ? ['--builder', target.builder] : []),
    ...commonBuildFlags(req),
    ...(req.platforms.length > 0 ? ['--platform', req.platforms.join(',')] : []),
    ...(req.pull ? ['--pull'] : []),
    ...secretFlags(req.secrets, true),
    ...req.cacheFrom.flatMap(e => ['--cache-from', e]),
    ...req.cacheTo.flatMap(e => ['--cache-to', e]),
    ...(versionAtLeast(version, '0.10') ? ['--provenance=false', '--sbom=false'] : []),
    ...(target.metadataFile ? ['--metadata-file', target.metadataFile] : []),
    ...(req.extras?.load ? ['--load'] : []),
    ...(req.loadTags ?? []).flatMap(t => ['--tag', t]),
    ...(req.extras?.outputs ?? []).flatMap(o => ['--output', o]),
    '--output',
    // New layers uncompressed: the push compresses them once, while uploading. Without
    // force-compression BuildKit keeps the base layers it pulled as they are (byte-identical, mountable).
    // A tarball (the builder unpacks it from stdout as it comes): measured faster than buildx's directory
    // export (`tar=false`, file by file over the session).
    `type=oci,dest=${target.dest},compression=uncompressed`,
    req.context
  ]
}

/** Drivers that can export an OCI layout; the `docker` driver cannot (multi-platform or not). */
const OCI_DRIVERS = ['docker-container', 'kubernetes', 'remote']

/** The driver of the builder `docker buildx inspect` describes. */
export function parseBuildxDriver(inspectOutput: string): string | undefined {
  // [ \t]*, not \s*: an empty Driver: line must not read the next line's first word as the driver.
  return /^Driver:[ \t]*(\S+)/m.exec(inspectOutput)?.[1]
}

export function driverExportsOci(driver: string | undefined): boolean {
  return driver !== undefined && OCI_DRIVERS.includes(driver)
}

/** A builder name no other run uses: `publish-image-` and 12 hex digits. */
export function temporaryBuilderName(random: () => string = () => randomBytes(6).toString('hex')): string {
  return `${TEMPORARY_BUILDER_PREFIX}${random()}`
}

export const TEMPORARY_BUILDER_PREFIX = 'publish-image-'

/** Removes a builder this action created: its container, and and its state volume (no `--keep-state`). */
export function buildxRmArgs(name: string): string[] {
  return ['buildx', 'rm', name]
}

/** Whether `docker info`'s DriverStatus shows the containerd image store, which lets the docker driver export OCI. */
export function usesContainerdStore(driverStatusJson: string): boolean {
  return driverStatusJson.includes('io.containerd.snapshotter')
}

export function buildxCreateArgs(name: string): string[] {
  // network=host lets the builder reach registries on the runner's loopback (e.g. service containers).
  return ['buildx', 'create', '--name', name, '--driver', 'docker-container', '--driver-opt', 'network=host']
}
