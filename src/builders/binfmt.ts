import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { execCommand } from '../exec.js'
import { HostError } from './errors.js'
import { hostArchitecture, platformInput } from './options/platforms.js'
import type { Logger, Runner } from './types.js'
import { exists } from '../files.js'

/** binfmt_misc handler names (as qemu-user-static and tonistiigi/binfmt register them) per architecture. */
const QEMU_NAMES: Record<string, string> = {
  amd64: 'x86_64',
  arm64: 'aarch64',
  arm: 'arm',
  '386': 'i386',
  ppc64le: 'ppc64le',
  ppc64: 'ppc64',
  s390x: 's390x',
  riscv64: 'riscv64',
  mips64le: 'mips64el',
  mips64: 'mips64',
  mipsle: 'mipsel',
  mips: 'mips',
  loong64: 'loongarch64'
}

export interface BinfmtOptions {
  binfmtDir?: string
  hostArch?: string
  run?: Runner
}

/** Platforms this host runs without emulation. */
export function nativelyRunnable(architecture: string, hostArch: string): boolean {
  return architecture === hostArch || (hostArch === 'amd64' && architecture === '386')
}

/**
 * Makes sure RUN steps of every foreign linux platform can execute, before anything is built: mounts
 * binfmt_misc if needed and enables installed QEMU handlers; otherwise fails saying how to install them.
 */
export async function ensurePlatformsRunnable(
  platforms: string[],
  logger: Logger,
  options: BinfmtOptions = {}
): Promise<void> {
  const hostArch = options.hostArch ?? hostArchitecture()
  const dir = options.binfmtDir ?? '/proc/sys/fs/binfmt_misc'
  const run = options.run ?? execCommand
  const foreign = platforms
    .map(platformInput)
    .filter(p => p.os === 'linux' && !nativelyRunnable(p.architecture, hostArch))
  if (foreign.length === 0 || (options.binfmtDir === undefined && process.platform !== 'linux')) return
  if (!(await exists(join(dir, 'status')))) {
    logger.info(`binfmt_misc is not mounted; mounting it on ${dir}`)
    await run('mount', ['-t', 'binfmt_misc', 'binfmt_misc', dir]).catch(e =>
      logger.debug(`mount failed: ${String(e)}`)
    )
  }
  const missing: string[] = []
  for (const p of foreign) {
    const name = `qemu-${QEMU_NAMES[p.architecture] ?? p.architecture}`
    if (!(await handlerEnabled(dir, name))) {
      await run('update-binfmts', ['--enable', name]).catch(e =>
        logger.debug(`update-binfmts failed: ${String(e)}`)
      )
    }
    const flags = await handlerFlags(dir, name)
    if (flags === undefined) missing.push(`${p.os}/${p.architecture} (${name})`)
    else if (!flags.includes('F'))
      logger.warning(`${name} is registered without the F flag; builds in containers may not find it`)
  }
  if (missing.length > 0) throw notRunnable(missing, hostArch, dir)
}

async function handlerEnabled(dir: string, name: string): Promise<boolean> {
  return (await handlerFlags(dir, name)) !== undefined
}

/** The handler's flags when it is registered and enabled, else undefined. */
async function handlerFlags(dir: string, name: string): Promise<string | undefined> {
  const text = await readFile(join(dir, name), 'utf8').catch(() => undefined)
  if (!text?.startsWith('enabled')) return undefined
  return /^flags:\s*(\S*)/m.exec(text)?.[1] ?? ''
}

function notRunnable(missing: string[], hostArch: string, dir: string): HostError {
  return new HostError(
    `this linux/${hostArch} host cannot run ${missing.join(', ')}: no QEMU handler is registered in ${dir}. ` +
      'Install emulation before this step, e.g. `sudo apt-get install -y qemu-user-static` or ' +
      '`uses: docker/setup-qemu-action@v4`, or build only native platforms'
  )
}
