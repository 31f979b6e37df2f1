// Stops what global-setup started; leaves an environment that was already up (npm run env:up) running.
import { down } from '../../scripts/testenv.mjs'

export default async function globalTeardown() {
  if (globalThis.__publishImageTestEnvStartedHere) await down()
}
