import { describe, expect, it } from '@jest/globals'
import { pushedDocument } from '../../../src/publish/attest-run.js'

describe('pushedDocument', () => {
  it('names the pushed manifest where the scan named the layout one (compression changed its digest)', () => {
    const scanned = `sha256:${'a'.repeat(64)}`
    const pushed = `sha256:${'b'.repeat(64)}`
    const document = Buffer.from(
      JSON.stringify({
        name: 'img',
        packages: [{ name: 'img', versionInfo: scanned, purl: `pkg:oci/img@${scanned}` }]
      })
    )
    const sbom = { platform: 'linux/amd64', manifestDigest: scanned, predicateType: 'x', document }
    const text = JSON.stringify(pushedDocument(sbom, pushed))
    expect(text).not.toContain('a'.repeat(64))
    expect(text).toContain(`"versionInfo":"${pushed}"`)
    expect(text).toContain(`pkg:oci/img@${pushed}`)
  })
})
