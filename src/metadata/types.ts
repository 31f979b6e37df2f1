import type { Inputs } from '../inputs/types.js'
import type { Logger } from '../registry/index.js'

/** The workflow run the metadata describes, read from the runner's GITHUB_* environment and event payload. */
export interface GitContext {
  eventName: string
  ref: string
  sha: string
  payload: Record<string, unknown>
  /** owner/repo */
  repository: string
  /** GITHUB_SERVER_URL, default https://github.com */
  serverUrl: string
  /** GITHUB_API_URL, default https://api.github.com */
  apiUrl: string
  actor: string
  runId?: string
}

/** The fields of `GET /repos/{owner}/{repo}` the metadata uses. */
export interface RepoInfo {
  name: string
  description: string | null
  html_url: string
  default_branch: string
  license: { spdx_id: string | null } | null
  owner?: { login: string; type?: string }
}

export type { Logger }

/** The action inputs the metadata stage reads, plus what the pipeline derives for it. */
export type MetadataInputs = Pick<
  Inputs,
  'images' | 'tags' | 'flavor' | 'labels' | 'annotations' | 'description' | 'licenses' | 'source'
> & {
  /** used when `images` is empty: `<registry>/<owner>/<repo>` */
  defaultImage: string
  platformCount: number
}

export const ANNOTATION_LEVELS = ['manifest', 'index', 'manifest-descriptor', 'index-descriptor'] as const
export type AnnotationLevel = (typeof ANNOTATION_LEVELS)[number]

export interface Metadata {
  /** enabled image names, repository path lowercased */
  images: string[]
  version: string
  /** full refs image:tag */
  tags: string[]
  tagNames: string[]
  /** sorted as metadata-action sorts (key, localeCompare) */
  labels: Record<string, string>
  /** level-prefixed lines, e.g. 'manifest:org.opencontainers.image.description=...' */
  annotations: string[]
  annotationsByLevel: Record<AnnotationLevel, Record<string, string>>
  /** the levels the annotations were emitted for, in order */
  annotationLevels: AnnotationLevel[]
  json: { tags: string[]; 'tag-names': string[]; labels: Record<string, string>; annotations: string[] }
  /** truncated description, lowercased path, ignored semver tag, … (also sent to logger.warn) */
  warnings: string[]
}

export interface ComputeOptions {
  env: NodeJS.ProcessEnv
  now?: Date
  logger: Logger
  commitDate?: Date
}
