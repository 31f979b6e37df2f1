import { PERMISSIONS_HINT } from '../attest/sign.js'
import type { RunReport } from './outputs.js'

/** The job summary as Markdown (pure): what was pushed, where, and how to pull it by digest. */
export function summaryMarkdown(r: RunReport): string {
  const out: string[] = [`## publish-image`, '']
  out.push(headline(r), '')
  out.push('| | |', '|---|---|')
  out.push(`| Images | ${r.images.map(code).join('<br>')} |`)
  if (r.tagNames.length > 0 && r.mode !== 'push-by-digest')
    out.push(`| Tags | ${r.tagNames.map(code).join(' ')} |`)
  if (r.digest) out.push(`| Digest | ${code(r.digest)} |`)
  for (const [platform, digest] of Object.entries(r.platformDigests)) {
    out.push(`| ${platform} | ${code(digest)} |`)
  }
  if (r.packageUrl) out.push(`| Package | ${r.packageUrl} |`)
  out.push('')
  if (r.pushed && r.refs.length > 0) {
    out.push('Pull by digest:', '', '```sh', ...r.refs.map(ref => `docker pull ${ref}`), '```', '')
  }
  out.push(...attestationSection(r))
  out.push(...cleanupSection(r))
  if (r.warnings.length > 0) out.push('**Warnings**', '', ...r.warnings.map(w => `- ${w}`), '')
  return out.join('\n')
}

function headline(r: RunReport): string {
  if (r.mode === 'merge') {
    return r.pushed
      ? `Merged ${platformsText(r)} into one index and pushed.`
      : 'Merge of the legs’ digests; **not pushed**.'
  }
  const built = `Built with **${r.builder}** for ${platformsText(r)}`
  if (!r.pushed) return `${built}; **not pushed**.`
  return r.mode === 'push-by-digest' ? `${built} and pushed by digest (no tags).` : `${built} and pushed.`
}

function platformsText(r: RunReport): string {
  return r.platforms.length > 0 ? r.platforms.map(code).join(', ') : 'the runner’s platform'
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``
}

/** What cleanup deleted, with digests (a dry run: what it would delete). */
function cleanupSection(r: RunReport): string[] {
  const reports = r.cleanup ?? []
  if (reports.length === 0) return []
  const dry = reports.some(c => c.dryRun)
  const rows = reports.flatMap(c => [
    ...c.deleted.map(d => `| ${code(c.image)} | ${code(d)} | ${dry ? 'would delete' : 'deleted'} |`),
    ...c.skipped.map(s => `| ${code(c.image)} | ${code(s.digest)} | kept: ${s.reason} |`)
  ])
  const title = dry ? '**Cleanup (dry run)**' : '**Cleanup**'
  if (rows.length === 0) return [title, '', 'Nothing left unreachable by this run.', '']
  return [title, '', '| Image | Digest | |', '|---|---|---|', ...rows, '']
}

/** The attestations of the first image (every image holds the same referrers) and how to verify them. */
function attestationSection(r: RunReport): string[] {
  const image = r.images[0] ?? ''
  const stored = (r.attestations ?? []).filter(a => a.image === image)
  if (stored.length === 0) return []
  const rows = stored.map(
    a => `| ${a.subject} | ${a.kind} | ${code(a.referrer)} | ${a.signed ? 'signed' : '**unsigned**'} |`
  )
  const out = [
    '**Attestations** (OCI referrers)',
    '',
    '| Subject | Kind | Referrer | |',
    '|---|---|---|---|',
    ...rows,
    ''
  ]
  const all = [...new Set(stored.filter(a => a.signed).map(a => a.subjectDigest))]
  // The image's own digest (what `docker pull` resolves) when it was signed; else every signed subject.
  const signed = all.includes(r.digest) ? [r.digest] : all
  if (signed.length > 0) {
    const repo = r.repository ? ` -R ${r.repository}` : ''
    const lines = signed.map(digest => `gh attestation verify oci://${image}@${digest}${repo}`)
    out.push('Verify:', '', '```sh', ...lines, '```', '')
  }
  if (stored.some(a => !a.signed))
    out.push(
      `Unsigned attestations cannot be verified with \`gh attestation verify\`; to sign them, ${PERMISSIONS_HINT}.`,
      ''
    )
  return out
}
