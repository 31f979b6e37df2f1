/**
 * Verifying a provenance bundle: the Sigstore signature against a trust root (sigstore-js's verifier),
 * then that the statement is SLSA provenance about the expected digest. Used by the tests; usable by an
 * end-to-end check against a registry.
 */
import { bundleFromJSON } from '@sigstore/bundle'
import { TrustedRoot } from '@sigstore/protobuf-specs'
import { toSignedEntity, toTrustMaterial, Verifier, type VerifierOptions } from '@sigstore/verify'
import { errorMessage } from '../errors.js'
import { IN_TOTO_MEDIA_TYPE, IN_TOTO_STATEMENT_V1, SLSA_PROVENANCE_V1, type Statement } from './statement.js'

export interface ProvenanceTrust {
  /** A Sigstore trusted root (the JSON form, application/vnd.dev.sigstore.trustedroot+json). */
  trustedRoot: unknown
  /** How many transparency-log entries, SCTs, TSA timestamps must verify (sigstore-js's defaults otherwise). */
  thresholds?: VerifierOptions
}

export class ProvenanceVerificationError extends Error {
  override name = 'ProvenanceVerificationError'
}

/** The verified statement; throws ProvenanceVerificationError when the bundle does not prove `expectedDigest`. */
export function verifyProvenance(
  bundleJson: unknown,
  expectedDigest: string,
  trust: ProvenanceTrust
): Statement {
  const statement = verifySignature(bundleJson, trust)
  if (statement._type !== IN_TOTO_STATEMENT_V1 || statement.predicateType !== SLSA_PROVENANCE_V1) {
    throw new ProvenanceVerificationError(
      `the bundle holds a ${statement.predicateType} statement, not SLSA provenance v1`
    )
  }
  const [algorithm = '', hex = ''] = expectedDigest.split(':')
  if (!statement.subject.some(s => s.digest[algorithm] === hex)) {
    const named = statement.subject.map(s =>
      Object.entries(s.digest)
        .map(([a, h]) => `${a}:${h}`)
        .join(',')
    )
    throw new ProvenanceVerificationError(
      `the provenance is not about ${expectedDigest}; its subjects are ${named.join(', ')}`
    )
  }
  return statement
}

/** The DSSE envelope's signature, certificate and timestamps against the trust root → its statement. */
export function verifySignature(bundleJson: unknown, trust: ProvenanceTrust): Statement {
  try {
    const bundle = bundleFromJSON(bundleJson)
    const material = toTrustMaterial(TrustedRoot.fromJSON(trust.trustedRoot))
    new Verifier(material, trust.thresholds).verify(toSignedEntity(bundle))
    if (bundle.content.$case !== 'dsseEnvelope') throw new Error('the bundle holds no DSSE envelope')
    const envelope = bundle.content.dsseEnvelope
    if (envelope.payloadType !== IN_TOTO_MEDIA_TYPE) throw new Error(`payload type ${envelope.payloadType}`)
    return JSON.parse(envelope.payload.toString('utf8')) as Statement
  } catch (err) {
    throw new ProvenanceVerificationError(`the bundle does not verify: ${errorMessage(err)}`, { cause: err })
  }
}
