import { describe, expect, it } from '@jest/globals'
import { sbomSubjects } from '../../../src/sbom/subjects.js'

const PUSHED = { 'linux/amd64': 'sha256:' + 'a'.repeat(64), 'linux/arm64': 'sha256:' + 'b'.repeat(64) }

describe('sbomSubjects', () => {
  it("names the pushed manifest of the SBOM's platform under every image name", () => {
    expect(
      sbomSubjects({ platform: 'linux/arm64' }, ['ghcr.io/o/app', 'registry.example/o/app'], PUSHED)
    ).toEqual([
      { name: 'ghcr.io/o/app', digest: PUSHED['linux/arm64'], platform: 'linux/arm64' },
      { name: 'registry.example/o/app', digest: PUSHED['linux/arm64'], platform: 'linux/arm64' }
    ])
  })

  it('fails when the push has no manifest of that platform', () => {
    expect(() => sbomSubjects({ platform: 'linux/s390x' }, ['ghcr.io/o/app'], PUSHED)).toThrow(
      'the push reports no linux/s390x manifest for its SBOM (pushed: linux/amd64, linux/arm64)'
    )
  })
})
