import { ENVIRONMENT, FLAGS, type FlagSpec } from './flags.js'

const USAGE = `Usage: publish-image [flags]

Builds the image in --context, labels it from the local git repository (HEAD, its branch or tag,
the GitHub repository of the origin remote) and pushes it, as the publish-image action does on
GitHub. Progress goes to stderr; the result to stdout. Credentials: --password-stdin or
$PUBLISH_IMAGE_PASSWORD for --registry, else docker's config.json (credHelpers, credsStore) and
containers' auth.json.`

const EXAMPLES = `Examples:
  publish-image --dry-run
  publish-image --registry localhost:5000 --image localhost:5000/me/app --tag type=ref,event=branch
  echo "$TOKEN" | publish-image --username me --password-stdin --platform linux/amd64,linux/arm64 --json`

/** `publish-image --help`: every flag, what it does, its default; then the environment. */
export function helpText(): string {
  const flags = FLAGS.map(flagLine)
  const width = Math.max(...flags.map(([left]) => left.length)) + 2
  return [
    USAGE,
    '',
    'Flags:',
    ...flags.map(([left, right]) => `  ${left.padEnd(width)}${right}`),
    '',
    'Environment:',
    ...ENVIRONMENT.map(e => `  ${e.name}\n      ${e.description}`),
    '',
    EXAMPLES,
    ''
  ].join('\n')
}

function flagLine(f: FlagSpec): [string, string] {
  const left = `--${f.name}${f.value ? ` ${f.value}` : ''}`
  const shown = f.name === 'help' ? `-h, ${left}` : left
  return [shown, f.default ? `${f.description} [default: ${f.default}]` : f.description]
}
