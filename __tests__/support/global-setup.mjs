// Brings the real test environment up (registry, dockerd, base image) unless it already runs.
import { up } from '../../scripts/testenv.mjs'

export default async function globalSetup() {
  const state = await up()
  globalThis.__publishImageTestEnvStartedHere = !state.reused
  process.env.PUBLISH_IMAGE_TEST_REGISTRY = state.registry.host
  process.env.PUBLISH_IMAGE_TEST_DOCKER_HOST = state.dockerd.host
  process.env.PUBLISH_IMAGE_TEST_BASE_IMAGE = state.baseImage
}
