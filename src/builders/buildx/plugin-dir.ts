import { copyFile, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { dockerConfigDir, readDockerConfig } from '../../registry/index.js'
import { exists } from '../../files.js'
import type { Env } from '../types.js'

/** What the docker CLI and buildx read from their config dir besides plugins, linked to the user's. */
const USER_ENTRIES = ['buildx', 'contexts']

/**
 * A DOCKER_CONFIG for this run whose `cli-plugins` holds only `plugin` (the installed buildx), so docker
 * runs it ahead of any plugin the user has; config.json (see linkUserConfig), buildx builders and
 * contexts link to the user's.
 * The user's own config dir and plugins are left as they are. Remove the dir when the run is over.
 */
export async function privateDockerConfig(plugin: string, parent: string, env: Env): Promise<string> {
  const dir = await mkdtemp(join(parent, 'publish-image-docker-'))
  const plugins = join(dir, 'cli-plugins')
  await mkdir(plugins)
  const target = join(plugins, basename(plugin))
  await symlink(plugin, target).catch(() => copyFile(plugin, target))
  const userDir = dockerConfigDir({ ...process.env, ...env })
  // buildx registers builders in the user's store, so a later step (or our post step) finds them there.
  await mkdir(join(userDir, 'buildx'), { recursive: true })
  for (const entry of USER_ENTRIES) {
    const source = join(userDir, entry)
    if (await exists(source)) await symlink(source, join(dir, entry))
  }
  await linkUserConfig(join(userDir, 'config.json'), join(dir, 'config.json'))
  return dir
}

/**
 * The user's config.json, linked; or, when it names `cliPluginsExtraDirs` (which docker searches before
 * the config dir's `cli-plugins`), a private copy without them, so that a buildx there does not shadow
 * the one installed.
 */
async function linkUserConfig(source: string, target: string): Promise<void> {
  const config = await readDockerConfig(source).catch(() => undefined)
  if (config?.cliPluginsExtraDirs === undefined) {
    if (await exists(source)) await symlink(source, target)
    return
  }
  const { cliPluginsExtraDirs: _shadowing, ...rest } = config
  await writeFile(target, JSON.stringify(rest, null, 2), { mode: 0o600 })
}
