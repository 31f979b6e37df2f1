/** The OCI image-spec documents, as far as this code reads them (unknown fields are kept as they are). */

export interface Platform {
  os: string
  architecture: string
  variant?: string
  'os.version'?: string
  'os.features'?: string[]
}

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  annotations?: Record<string, string>
  platform?: Platform
  artifactType?: string
}

export interface ImageManifest {
  schemaVersion: 2
  mediaType?: string
  artifactType?: string
  config: Descriptor
  layers: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

export interface ImageIndex {
  schemaVersion: 2
  mediaType?: string
  artifactType?: string
  manifests: Descriptor[]
  subject?: Descriptor
  annotations?: Record<string, string>
}

/** The parts of an image config this code reads: the platform and the labels. */
export interface ImageConfig {
  os?: string
  architecture?: string
  variant?: string
  config?: { Labels?: Record<string, string> | null }
  /** The uncompressed digests of the layers, in order. */
  rootfs?: { type?: string; diff_ids?: string[] }
}

/** The `oci-layout` file of an image layout. */
export interface LayoutMarker {
  imageLayoutVersion: string
}

/** One entry of a `docker save` archive's manifest.json. */
export interface DockerArchiveEntry {
  Config: string
  Layers: string[]
  RepoTags?: string[] | null
}
