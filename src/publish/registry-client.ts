import { defaultKeychain, RegistryClient, type Logger } from '../registry/index.js'
import type { RegistryLogin } from '../inputs/login.js'

/**
 * The in-memory login for its registry (see inputs/login.ts for when there is one), then the usual
 * credential files for every other registry. `signal` cancels blob transfers when the run is cancelled.
 */
export function createRegistryClient(
  login: RegistryLogin | undefined,
  logger: Logger,
  maskSecret: (secret: string) => void,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal
): RegistryClient {
  const explicit = login ? { [login.registry]: { username: login.username, password: login.password } } : {}
  if (login) logger.debug(`logging in to ${login.registry} as ${login.username} with the ${login.source}`)
  return new RegistryClient({
    credentials: defaultKeychain({ explicit, env }),
    logger,
    onSecret: maskSecret,
    userAgent: 'publish-image',
    signal,
    env
  })
}
