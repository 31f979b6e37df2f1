/** The docker client's config directory and its config.json (also the shape of containers' auth.json). */
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { JsonValue } from '../json.js'

export interface AuthEntry {
  auth?: string
  username?: string
  password?: string
  identitytoken?: string
  registrytoken?: string
}

/** The fields credentials come from; every other field of the file is kept as it is. */
export interface DockerConfig {
  auths?: Record<string, AuthEntry>
  credHelpers?: Record<string, string>
  credsStore?: string
  currentContext?: string
  [key: string]: unknown
}

/** Where the docker client keeps its config: $DOCKER_CONFIG, else ~/.docker ($HOME first, as Go does). */
export function dockerConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.DOCKER_CONFIG || join(env.HOME || homedir(), '.docker')
}

/** Reads and checks a docker config.json or auth.json; undefined when the file is not there. */
export async function readDockerConfig(file: string): Promise<DockerConfig | undefined> {
  const text = await readFile(file).catch(() => undefined)
  return text === undefined ? undefined : parseDockerConfig(text, file)
}

export function parseDockerConfig(text: Uint8Array | string, document: string): DockerConfig {
  const doc = JsonValue.parse(text, document)
  doc.field('auths').optional(auths => {
    for (const key of Object.keys(auths.object())) auths.field(key).stringMap()
  })
  doc.field('credHelpers').optional(v => v.stringMap())
  doc.field('credsStore').optional(v => v.string())
  doc.field('currentContext').optional(v => v.string())
  return doc.value as DockerConfig
}
