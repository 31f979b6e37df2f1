// Brings the real test environment up (registry, dockerd, base image, buildkitd as the current buildx
// builder) unless it already runs.
import { up } from '../../scripts/testenv.mjs'

export default async function globalSetup() {
  const state = await up()
  globalThis.__publishImageTestEnvStartedHere = !state.reused
  process.env.PUBLISH_IMAGE_TEST_REGISTRY = state.registry.host
  process.env.PUBLISH_IMAGE_TEST_DOCKER_HOST = state.dockerd.host
  process.env.PUBLISH_IMAGE_TEST_BASE_IMAGE = state.baseImage
  process.env.PUBLISH_IMAGE_TEST_GO_BIN = state.buildkit.binDir
  process.env.PUBLISH_IMAGE_TEST_BUILDKIT_SOCKET = state.buildkit.socket
  process.env.PUBLISH_IMAGE_TEST_SYFT_BIN = state.syftBin
}
