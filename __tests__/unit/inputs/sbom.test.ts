import { afterEach, describe, expect, it } from '@jest/globals'
import { parseCli } from '../../../src/cli/args.js'
import { asUsageError } from '../../../src/cli/errors.js'
import { InputError } from '../../../src/inputs/errors.js'
import { readInputs } from '../../../src/inputs/read.js'
import { parseSbom } from '../../../src/inputs/sbom.js'
import { ignoredByMerge, sbomOptions } from '../../../src/inputs/validate.js'
import type { Inputs } from '../../../src/inputs/types.js'
import { loadActionYml } from '../../../scripts/run-action.mjs'

function inputError(run: () => unknown): InputError {
  try {
    run()
  } catch (err) {
    if (err instanceof InputError) return err
    throw err
  }
  throw new Error('no InputError')
}

describe('parseSbom: the sbom input', () => {
  it('is off when empty or false, SPDX JSON when true', () => {
    expect(parseSbom('')).toBeUndefined()
    expect(parseSbom(' false ')).toBeUndefined()
    expect(parseSbom('FALSE')).toBeUndefined()
    expect(parseSbom('true')).toEqual({ format: 'spdx-json' })
    expect(parseSbom(' True\n')).toEqual({ format: 'spdx-json' })
  })

  it('takes format=spdx-json|cyclonedx-json', () => {
    expect(parseSbom('format=cyclonedx-json')).toEqual({ format: 'cyclonedx-json' })
    expect(parseSbom('format=SPDX-JSON')).toEqual({ format: 'spdx-json' })
    expect(parseSbom(' format = cyclonedx-json ')).toEqual({ format: 'cyclonedx-json' })
  })

  it("refuses build-push-action's generator=, saying the action scans with syft itself", () => {
    const error = inputError(() => parseSbom('generator=docker/buildkit-syft-scanner:stable-1'))
    expect(error.input).toBe('sbom')
    expect(error.message).toContain("input 'sbom': 'generator=docker/buildkit-syft-scanner:stable-1'")
    expect(error.message).toContain('scans the built image with syft')
    expect(error.message).toContain('Remove generator=')
    expect(() => parseSbom('format=spdx-json,generator=x')).toThrow('Remove generator=')
  })

  it('names the allowed values for anything else', () => {
    expect(() => parseSbom('yes')).toThrow(
      "input 'sbom': 'yes' is not true, false or format=spdx-json|cyclonedx-json (unknown field 'yes')"
    )
    expect(() => parseSbom('format=syft-json')).toThrow(
      "input 'sbom': format 'syft-json' is not one of spdx-json, cyclonedx-json"
    )
    expect(() => parseSbom('format=')).toThrow('is not one of spdx-json, cyclonedx-json')
    expect(() => parseSbom('type=sbom')).toThrow("unknown field 'type=sbom'")
  })
})

describe('sbomOptions: sbom with syft-download-url', () => {
  it('is undefined when sbom is off, whatever the URL', () => {
    expect(sbomOptions({ sbom: undefined, syftDownloadUrl: 'not a url' })).toBeUndefined()
  })

  it("defaults to GitHub's releases and takes a mirror", () => {
    expect(sbomOptions({ sbom: { format: 'spdx-json' }, syftDownloadUrl: '' })).toEqual({
      request: { format: 'spdx-json' },
      downloadUrl: 'https://github.com/anchore/syft/releases/download'
    })
    expect(
      sbomOptions({ sbom: { format: 'spdx-json' }, syftDownloadUrl: 'http://127.0.0.1:9/syft/' })
    ).toEqual({
      request: { format: 'spdx-json' },
      downloadUrl: 'http://127.0.0.1:9/syft'
    })
  })

  it('names syft-download-url when it is no http(s) URL', () => {
    const error = inputError(() =>
      sbomOptions({ sbom: { format: 'spdx-json' }, syftDownloadUrl: 'ftp://mirror' })
    )
    expect(error.input).toBe('syft-download-url')
    expect(error.message).toContain(
      'is not an http(s) URL; e.g. https://github.com/anchore/syft/releases/download'
    )
    expect(() => sbomOptions({ sbom: { format: 'spdx-json' }, syftDownloadUrl: 'mirror' })).toThrow(
      "input 'syft-download-url': 'mirror' is not a URL"
    )
  })
})

describe('sbom through the action and the CLI', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })

  async function setInputs(overrides: Record<string, string>) {
    const action = await loadActionYml()
    for (const [name, spec] of Object.entries(action.inputs)) {
      process.env[`INPUT_${name.toUpperCase()}`] =
        overrides[name] ?? (spec.default ?? '').replace(/\$\{\{[^}]+\}\}/g, 'x')
    }
  }

  it('reads action.yml defaults as off', async () => {
    await setInputs({})
    const inputs = readInputs()
    expect(inputs.sbom).toBeUndefined()
    expect(inputs.syftDownloadUrl).toBe('https://github.com/anchore/syft/releases/download')
  })

  it('reads sbom and syft-download-url', async () => {
    await setInputs({ sbom: 'format=cyclonedx-json', 'syft-download-url': 'http://127.0.0.1:1/m' })
    expect(readInputs()).toMatchObject({
      sbom: { format: 'cyclonedx-json' },
      syftDownloadUrl: 'http://127.0.0.1:1/m'
    })
    await setInputs({ sbom: 'generator=image' })
    expect(() => readInputs()).toThrow("input 'sbom'")
  })

  it('takes --sbom and --syft-download-url, and names the flag in errors', () => {
    const request = parseCli(['--sbom', 'true', '--syft-download-url', 'http://127.0.0.1:1/m'], {})
    expect(request.help ? undefined : request.inputs).toMatchObject({
      sbom: { format: 'spdx-json' },
      syftDownloadUrl: 'http://127.0.0.1:1/m'
    })
    let caught: unknown
    try {
      parseCli(['--sbom', 'generator=x'], {})
    } catch (err) {
      caught = err
    }
    expect(asUsageError(caught)?.message).toMatch(
      /^--sbom: 'generator=x': publish-image does not run a generator image/
    )
  })
})

describe('sbom on a merge job', () => {
  it('is ignored with a warning: the legs attach the SBOMs to the platform manifests', () => {
    const inputs = {
      platforms: [],
      file: '',
      buildArgs: [],
      secrets: [],
      target: '',
      cacheFrom: [],
      cacheTo: []
    }
    expect(ignoredByMerge({ ...inputs, sbom: { format: 'spdx-json' } } as unknown as Inputs)).toEqual([
      'merge: true builds nothing, so sbom is ignored'
    ])
    expect(ignoredByMerge(inputs as unknown as Inputs)).toEqual([])
  })
})
