/** What the CLI prints on stdout once the run is done: the `metadata` output, or a short summary. */
export function resultText(
  outputs: Record<string, string>,
  opts: { json: boolean; dryRun: boolean }
): string {
  if (opts.json) return `${outputs.metadata ?? '{}'}\n`
  const lines = (name: string) => (outputs[name] ?? '').split('\n').filter(l => l.length > 0)
  const platforms = platformLines(outputs['platform-digests'])
  const section = (title: string, items: string[]) =>
    items.length > 0 ? [`${title}:`, ...items.map(i => `  ${i}`)] : []
  return [
    status(outputs, platforms.length > 0, opts.dryRun),
    ...section('tags', lines('tags')),
    ...section('refs', lines('refs')),
    ...(platforms.length > 1 || !outputs.digest ? section('platforms', platforms) : []),
    ''
  ].join('\n')
}

function status(outputs: Record<string, string>, pushedPlatforms: boolean, dryRun: boolean): string {
  if (outputs.digest) return `digest: ${outputs.digest}`
  if (pushedPlatforms) return 'pushed by digest, one per platform'
  return dryRun ? 'dry run: nothing built, nothing pushed' : 'built, not pushed'
}

/** `platform: digest` lines from the platform-digests output (a JSON object). */
function platformLines(json: string | undefined): string[] {
  const parsed: unknown = JSON.parse(json || '{}')
  if (parsed === null || typeof parsed !== 'object') return []
  return Object.entries(parsed).map(([platform, digest]) => `${platform}: ${String(digest)}`)
}
