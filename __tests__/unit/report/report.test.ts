import { describe, expect, it } from '@jest/globals'
import { buildOutputs, type RunReport } from '../../../src/report/outputs.js'
import { isGithubContainerRegistry, packageUrl } from '../../../src/report/package-url.js'
import { summaryMarkdown } from '../../../src/report/summary.js'
import { describeError } from '../../../src/report/errors.js'

const report: RunReport = {
  images: ['ghcr.io/octo-org/app'],
  platforms: ['linux/amd64', 'linux/arm64'],
  builder: 'buildah',
  pushed: true,
  version: '1.2.3',
  tags: ['ghcr.io/octo-org/app:1.2.3', 'ghcr.io/octo-org/app:latest'],
  tagNames: ['1.2.3', 'latest'],
  labels: {
    'org.opencontainers.image.licenses': 'MIT',
    'org.opencontainers.image.source': 'https://github.com/octo-org/app'
  },
  annotations: ['index:org.opencontainers.image.licenses=MIT'],
  json: { tags: [] },
  digest: 'sha256:' + '1'.repeat(64),
  imageId: 'sha256:' + '2'.repeat(64),
  refs: ['ghcr.io/octo-org/app@sha256:' + '1'.repeat(64)],
  platformDigests: { 'linux/amd64': 'sha256:' + '3'.repeat(64), 'linux/arm64': 'sha256:' + '4'.repeat(64) },
  packageUrl: 'https://github.com/octo-org/app/pkgs/container/app',
  warnings: ['description was cut to 512 characters']
}

describe('buildOutputs', () => {
  it('formats every output as the runner expects it', () => {
    const out = buildOutputs(report)
    expect(out.tags).toBe('ghcr.io/octo-org/app:1.2.3\nghcr.io/octo-org/app:latest')
    expect(out['tag-names']).toBe('1.2.3\nlatest')
    expect(out.labels).toBe(
      'org.opencontainers.image.licenses=MIT\norg.opencontainers.image.source=https://github.com/octo-org/app'
    )
    expect(JSON.parse(out['platform-digests'])).toEqual(report.platformDigests)
    const metadata = JSON.parse(out.metadata) as Record<string, unknown>
    expect(metadata).toMatchObject({
      digest: report.digest,
      imageid: report.imageId,
      'tag-names': ['1.2.3', 'latest']
    })
    expect(out['package-url']).toBe(report.packageUrl)
  })
})

describe('summaryMarkdown', () => {
  it('lists digests, a pull-by-digest line per image, the package link and warnings', () => {
    const md = summaryMarkdown(report)
    expect(md).toContain(`docker pull ghcr.io/octo-org/app@${report.digest}`)
    expect(md).toContain(`| linux/arm64 | \`${report.platformDigests['linux/arm64']}\` |`)
    expect(md).toContain(report.packageUrl)
    expect(md).toContain('- description was cut to 512 characters')
  })
  it('says when nothing was pushed and offers no pull command', () => {
    const md = summaryMarkdown({ ...report, pushed: false, digest: '', refs: [], platformDigests: {} })
    expect(md).toContain('not pushed')
    expect(md).not.toContain('docker pull')
  })
})

describe('packageUrl', () => {
  const ctx = {
    serverUrl: 'https://github.com',
    repository: 'Octo-Org/App',
    source: 'https://github.com/Octo-Org/App'
  }
  it('links the repository package page when the package is linked to this repository', () => {
    expect(packageUrl('ghcr.io/octo-org/app', ctx)).toBe('https://github.com/Octo-Org/App/pkgs/container/app')
    expect(packageUrl('ghcr.io/octo-org/app/sub', ctx)).toBe(
      'https://github.com/Octo-Org/App/pkgs/container/app%2Fsub'
    )
  })
  it('falls back to the org or user package page otherwise', () => {
    const other = { ...ctx, source: 'https://github.com/else/where', ownerType: 'Organization' }
    expect(packageUrl('ghcr.io/octo-org/app', other)).toBe(
      'https://github.com/orgs/octo-org/packages/container/package/app'
    )
    expect(packageUrl('ghcr.io/someone/app', { ...ctx, ownerType: 'User' })).toBe(
      'https://github.com/users/someone/packages/container/package/app'
    )
  })
  it('knows GitHub Enterprise Server and ignores other registries', () => {
    const ghes = {
      serverUrl: 'https://ghes.example.com',
      repository: 'o/r',
      source: 'https://ghes.example.com/o/r'
    }
    expect(isGithubContainerRegistry('containers.ghes.example.com', ghes.serverUrl)).toBe(true)
    expect(packageUrl('containers.ghes.example.com/o/r', ghes)).toBe(
      'https://ghes.example.com/o/r/pkgs/container/r'
    )
    expect(packageUrl('quay.io/o/r', ctx)).toBe('')
    expect(packageUrl('127.0.0.1:5000/o/r', ctx)).toBe('')
  })
})

describe('describeError', () => {
  it('shows the chain of causes and a hint once', () => {
    const root = Object.assign(new Error('denied: permission_denied: write_package'), {
      hint: 'add `permissions: packages: write` to the job'
    })
    const top = new Error('pushing ghcr.io/o/r failed', { cause: root })
    expect(describeError(top)).toBe(
      'pushing ghcr.io/o/r failed\ncaused by: denied: permission_denied: write_package\nadd `permissions: packages: write` to the job'
    )
  })
})

describe('attestations in the outputs and the summary', () => {
  const d = (n: number) => 'sha256:' + String(n).repeat(64)
  const stored = (
    image: string,
    kind: 'provenance' | 'sbom',
    subject: string,
    referrer: string,
    signed: boolean
  ) => ({
    image,
    kind,
    subject,
    subjectDigest: subject === 'index' ? report.digest : (report.platformDigests[subject] ?? ''),
    referrer,
    signed
  })
  const other = 'docker.io/octo/app'

  it('attestation-digests: subject → referrer of the first image, the provenance when there are several', () => {
    const out = buildOutputs({
      ...report,
      attestations: [
        stored(report.images[0] ?? '', 'sbom', 'linux/amd64', d(5), true),
        stored(report.images[0] ?? '', 'provenance', 'index', d(6), true),
        stored(report.images[0] ?? '', 'provenance', 'linux/amd64', d(7), true),
        stored(other, 'provenance', 'linux/arm64', d(8), true)
      ]
    })
    expect(JSON.parse(out['attestation-digests'])).toEqual({ index: d(6), 'linux/amd64': d(7) })
    expect((JSON.parse(out.metadata) as Record<string, unknown>)['attestation-digests']).toEqual({
      index: d(6),
      'linux/amd64': d(7)
    })
    expect(out.digest).toBe(report.digest)
    expect(buildOutputs(report)['attestation-digests']).toBe('{}')
  })

  it('signed: the table and the gh attestation verify command of the image digest', () => {
    const md = summaryMarkdown({
      ...report,
      repository: 'octo-org/app',
      attestations: [
        stored(report.images[0] ?? '', 'provenance', 'index', d(6), true),
        stored(report.images[0] ?? '', 'provenance', 'linux/amd64', d(7), true)
      ]
    })
    expect(md).toContain(`| index | provenance | \`${d(6)}\` | signed |`)
    expect(md).toContain(`gh attestation verify oci://ghcr.io/octo-org/app@${report.digest} -R octo-org/app`)
    expect(md).not.toContain('Unsigned')
  })

  it('unsigned: says so and offers no verify command', () => {
    const md = summaryMarkdown({
      ...report,
      repository: 'octo-org/app',
      attestations: [stored(report.images[0] ?? '', 'provenance', 'index', d(6), false)]
    })
    expect(md).toContain(`| index | provenance | \`${d(6)}\` | **unsigned** |`)
    expect(md).toContain('Unsigned attestations cannot be verified')
    expect(md).toContain('add `permissions: id-token: write, attestations: write` to the job')
    expect(md).not.toContain('gh attestation verify oci:')
    expect(summaryMarkdown(report)).not.toContain('Attestations')
  })
})
