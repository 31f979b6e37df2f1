import { defaultKeychain, RegistryClient, type Logger } from '../registry/index.js'
import type { Inputs } from '../inputs/types.js'

/** The in-memory login: the `username`/`password` inputs for `registry`, then the usual credential files. */
export function createRegistryClient(
  inputs: Pick<Inputs, 'registry' | 'username' | 'password'>,
  logger: Logger,
  maskSecret: (secret: string) => void,
  env: NodeJS.ProcessEnv = process.env
): RegistryClient {
  const explicit = inputs.password
    ? { [inputs.registry]: { username: inputs.username || undefined, password: inputs.password } }
    : {}
  if (inputs.password) {
    maskSecret(inputs.password)
    maskSecret(Buffer.from(`${inputs.username}:${inputs.password}`).toString('base64'))
  }
  return new RegistryClient({
    credentials: defaultKeychain({ explicit, env }),
    logger,
    onSecret: maskSecret,
    userAgent: 'publish-image'
  })
}
