/** The running test environment (see scripts/testenv.mjs), as global-setup exported it. */
export interface TestEnv {
  /** host:port of the plain-HTTP Distribution registry on loopback. */
  registry: string
  /** DOCKER_HOST of the private dockerd. */
  dockerHost: string
  /** A linux/amd64 + linux/arm64 busybox index in that registry, for every test FROM. */
  baseImage: string
}

export function testEnv(): TestEnv {
  const registry = process.env.PUBLISH_IMAGE_TEST_REGISTRY
  const dockerHost = process.env.PUBLISH_IMAGE_TEST_DOCKER_HOST
  const baseImage = process.env.PUBLISH_IMAGE_TEST_BASE_IMAGE
  if (!registry || !dockerHost || !baseImage) {
    throw new Error(
      'the test environment is not up: run the integration project (jest global setup) or npm run env:up'
    )
  }
  return { registry, dockerHost, baseImage }
}

/** A repository name no other test uses. */
export function uniqueRepo(prefix: string): string {
  return `test/${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`
}
