/** The running test environment (see scripts/testenv.mjs), as global-setup exported it. */
export interface TestEnv {
  /** host:port of the plain-HTTP Distribution registry on loopback. */
  registry: string
  /** DOCKER_HOST of the private dockerd. */
  dockerHost: string
  /** A linux/amd64 + linux/arm64 busybox index in that registry, for every test FROM. */
  baseImage: string
  /** Where the pinned Go tools are: buildx, buildkitd, buildctl, crane (scripts/go-tools.mjs). */
  goBin: string
  /** The unix socket of the test buildkitd (the current buildx builder, remote driver). */
  buildkitSocket: string
  /** Where the pinned syft is (scripts/go-tools/syft, built by scripts/go-tools.mjs). */
  syftBin: string
}

export function testEnv(): TestEnv {
  const registry = process.env.PUBLISH_IMAGE_TEST_REGISTRY
  const dockerHost = process.env.PUBLISH_IMAGE_TEST_DOCKER_HOST
  const baseImage = process.env.PUBLISH_IMAGE_TEST_BASE_IMAGE
  const goBin = process.env.PUBLISH_IMAGE_TEST_GO_BIN
  const buildkitSocket = process.env.PUBLISH_IMAGE_TEST_BUILDKIT_SOCKET
  const syftBin = process.env.PUBLISH_IMAGE_TEST_SYFT_BIN
  if (!registry || !dockerHost || !baseImage || !goBin || !buildkitSocket || !syftBin) {
    throw new Error(
      'the test environment is not up: run the integration project (jest global setup) or npm run env:up'
    )
  }
  return { registry, dockerHost, baseImage, goBin, buildkitSocket, syftBin }
}

/** A repository name no other test uses. */
export function uniqueRepo(prefix: string): string {
  return `test/${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}
