import { describe, expect, it } from '@jest/globals'
import { loadActionYml } from '../../../scripts/run-action.mjs'

const INPUTS: Record<string, string | undefined> = {
  registry: 'ghcr.io',
  images: '',
  tags: '',
  flavor: '',
  labels: '',
  annotations: '',
  description: '',
  licenses: '',
  source: '',
  // Empty: the workflow token goes to GitHub's registries only (src/inputs/login.ts).
  username: '',
  password: '',
  'github-token': '${{ github.token }}',
  context: '.',
  file: '',
  'build-args': '',
  secrets: '',
  target: '',
  platforms: '',
  builder: 'auto',
  'buildx-version': '',
  'buildx-download-url': 'https://github.com/docker/buildx/releases/download',
  'no-cache': 'false',
  pull: 'false',
  'cache-from': '',
  'cache-to': '',
  load: 'false',
  network: '',
  'add-hosts': '',
  'shm-size': '',
  ulimit: '',
  allow: '',
  ssh: '',
  'build-contexts': '',
  'secret-envs': '',
  'secret-files': '',
  'no-cache-filters': '',
  outputs: '',
  compression: 'gzip',
  'compression-level': '',
  push: 'auto',
  'push-by-digest': 'false',
  merge: 'false',
  digests: '',
  'dry-run': 'false',
  summary: 'true',
  'push-timeout': '60',
  cleanup: 'false',
  sbom: 'false',
  'syft-download-url': 'https://github.com/anchore/syft/releases/download',
  provenance: ''
}
const OUTPUTS = [
  'digest',
  'imageid',
  'version',
  'tags',
  'tag-names',
  'labels',
  'annotations',
  'refs',
  'platform-digests',
  'metadata',
  'json',
  'package-url',
  'package-visibility',
  'deleted',
  'attestation-digests'
]

describe('action.yml, the contract', () => {
  it('runs on node24 with main and post bundles', async () => {
    const action = await loadActionYml()
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js', post: 'dist/post.js' })
  })

  it('declares every input with its default and a description', async () => {
    const action = await loadActionYml()
    expect(Object.keys(action.inputs).sort()).toEqual(Object.keys(INPUTS).sort())
    for (const [name, expected] of Object.entries(INPUTS)) {
      expect([name, action.inputs[name]?.default]).toEqual([name, expected])
      expect(action.inputs[name]?.description.length).toBeGreaterThan(10)
    }
  })

  it('declares every output with a description', async () => {
    const action = await loadActionYml()
    expect(Object.keys(action.outputs).sort()).toEqual([...OUTPUTS].sort())
    for (const name of OUTPUTS) expect(action.outputs[name]?.description.length).toBeGreaterThan(10)
  })
})
