import type { AttestationSubject } from '../attest/types.js'
import type { PlatformSbom } from './generate.js'

/**
 * The subjects of one platform's SBOM attestation: that platform's pushed manifest under every image
 * name. `platformDigests` is what the push reports (PublishResult.platformDigests, keyed `os/arch[/variant]`
 * like PlatformSbom.platform): the registry's digests, which differ from the layout's when the push
 * compressed the layers. Throws when the push reports no manifest of the SBOM's platform.
 */
export function sbomSubjects(
  sbom: Pick<PlatformSbom, 'platform'>,
  images: readonly string[],
  platformDigests: Readonly<Record<string, string>>
): AttestationSubject[] {
  const digest = platformDigests[sbom.platform]
  if (!digest) {
    const pushed = Object.keys(platformDigests).join(', ') || 'none'
    throw new Error(`the push reports no ${sbom.platform} manifest for its SBOM (pushed: ${pushed})`)
  }
  return images.map(name => ({ name, digest, platform: sbom.platform }))
}
