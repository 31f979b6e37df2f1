import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import {
  actionErrors,
  actionInputs,
  actionSteps,
  githubYamlFiles,
  ROOT,
  undeclaredActionInputs,
  usesThisAction,
  workflowErrors,
  yamlErrors
} from './validate.js'

type Mapping = Record<string, unknown>
type Step = Mapping & { uses?: string; with?: Mapping; run?: string; env?: Mapping; if?: string }
type Job = Mapping & { steps?: Step[]; outputs?: Mapping; needs?: string | string[]; if?: string }
interface Workflow {
  on: Mapping
  permissions?: Mapping
  jobs: Record<string, Job>
}

const REUSABLE = '.github/workflows/publish-image.yml'
const EXAMPLE = '.github/workflows/example-multi-runner.yml'

function load(path: string): Workflow {
  return parse(readFileSync(join(ROOT, path), 'utf8')) as Workflow
}

const files = await githubYamlFiles()

describe('every YAML file under .github/ passes GitHub’s workflow parser', () => {
  it('finds the workflows', () => {
    const paths = files.map(f => f.path)
    expect(paths).toEqual(
      expect.arrayContaining([REUSABLE, EXAMPLE, '.github/workflows/ci.yml', '.github/workflows/e2e.yml'])
    )
  })

  it.each(files)('$path ($kind) has no errors', async ({ path, kind }) => {
    const content = await readFile(join(ROOT, path), 'utf8')
    const errors =
      kind === 'workflow'
        ? await workflowErrors(path, content)
        : kind === 'action'
          ? actionErrors(path, content)
          : yamlErrors(content)
    expect(errors).toEqual([])
  })

  it('action.yml passes the action metadata schema', async () => {
    expect(actionErrors('action.yml', await readFile(join(ROOT, 'action.yml'), 'utf8'))).toEqual([])
  })

  it.each(files.filter(f => f.kind === 'workflow'))(
    '$path passes this action only inputs declared in action.yml',
    async ({ path }) => {
      expect(undeclaredActionInputs(load(path), await actionInputs())).toEqual([])
    }
  )
})

describe('the validator rejects broken workflows', () => {
  const valid = `on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - run: echo hi
`

  it('accepts a valid in-memory workflow (control)', async () => {
    expect(await workflowErrors('valid.yml', valid)).toEqual([])
  })

  it.each([
    ['an unknown job key', valid.replace('runs-on:', 'runs-onn:'), /Unexpected value 'runs-onn'/],
    [
      'run and uses in one step',
      valid.replace('- run: echo hi', '- run: echo hi\n        uses: a/b@v1'),
      /uses/
    ],
    ['an unclosed expression', valid.replace('echo hi', 'echo ${{ github.sha }'), /expression is not closed/],
    [
      'an unknown context',
      valid.replace('echo hi', 'echo ${{ nope.value }}'),
      /Unrecognized named-value: 'nope'/
    ],
    ['a YAML syntax error', valid.replace('    steps:', '   steps:\n  - x'), /./],
    ['a missing jobs section', 'on: push\n', /jobs/],
    [
      'an undefined `needs`',
      `${valid}  b:\n    needs: nope\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n`,
      /nope/
    ],
    ['an invalid permission', `permissions:\n  packages: admin\n${valid}`, /admin/]
  ])('reports %s', async (_what, content, message) => {
    const errors = await workflowErrors('broken.yml', content)
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.join('\n')).toMatch(message)
  })

  it('checks a caller’s inputs and secrets against the reusable workflow', async () => {
    const caller = (extra: string) => `on: workflow_dispatch
jobs:
  image:
    uses: ./${REUSABLE}
    with:
      context: example
${extra}`
    expect(await workflowErrors('caller.yml', caller(''))).toEqual([])
    expect((await workflowErrors('caller.yml', caller('      no-such-input: x\n'))).join('\n')).toMatch(
      /no-such-input/
    )
    const secret = caller('    secrets:\n      no-such-secret: x\n')
    expect((await workflowErrors('caller.yml', secret)).join('\n')).toMatch(/no-such-secret/)
    const remote = caller('').replace(`./${REUSABLE}`, `someone/publish-image/${REUSABLE}@v1`)
    expect(await workflowErrors('caller.yml', remote)).toEqual([])
  })

  it('reports broken action metadata', () => {
    const errors = actionErrors('action.yml', 'name: x\nruns:\n  using: node99\n')
    expect(errors.join('\n')).toMatch(/node99/)
    expect(errors.join('\n')).toMatch(/description/)
  })

  it('flags an input of this action that action.yml does not declare', async () => {
    const workflow = parse(`on: push
jobs:
  a:
    runs-on: ubuntu-latest
    steps:
      - uses: OWNER/publish-image@v1
        with:
          images: ghcr.io/a/b
          imagez: typo
      - uses: other/action@v1
        with:
          imagez: not ours
`)
    expect(undeclaredActionInputs(workflow, await actionInputs())).toEqual([
      "job a, step 1 (OWNER/publish-image@v1): input 'imagez' is not declared in action.yml"
    ])
  })

  it('recognises the ways a workflow runs this action', () => {
    for (const uses of ['./', '.', './.publish-image', 'OWNER/publish-image@v1', 'o/publish-image@0123abc'])
      expect(usesThisAction(uses)).toBe(true)
    for (const uses of ['actions/checkout@v4', 'o/publish-image/sub@v1', './other', 'o/publish-images@v1'])
      expect(usesThisAction(uses)).toBe(false)
  })
})

describe('the reusable workflow', () => {
  let workflow: Workflow
  let call: { inputs: Mapping; secrets: Mapping; outputs: Record<string, { value: string }> }
  beforeAll(() => {
    workflow = load(REUSABLE)
    call = workflow.on.workflow_call as typeof call
  })
  const job = (id: string): Job => {
    const found = workflow.jobs[id]
    if (!found) throw new Error(`no job ${id}`)
    return found
  }
  const step = (jobId: string, predicate: (s: Step) => boolean): Step => {
    const found = (job(jobId).steps ?? []).find(predicate)
    if (!found) throw new Error(`no such step in job ${jobId}`)
    return found
  }

  it('is triggered by workflow_call only', () => {
    expect(Object.keys(workflow.on)).toEqual(['workflow_call'])
  })

  it('declares the inputs, all strings, with the documented defaults', () => {
    const inputs = call.inputs as Record<string, { type: string; default?: string; required?: boolean }>
    for (const name of [
      'context',
      'file',
      'platforms',
      'runners',
      'images',
      'tags',
      'flavor',
      'labels',
      'build-args',
      'push'
    ]) {
      expect(inputs[name]).toMatchObject({ type: 'string' })
      expect(inputs[name]?.required).not.toBe(true)
    }
    expect(inputs.context?.default).toBe('.')
    expect(inputs.push?.default).toBe('auto')
    expect(inputs.platforms?.default).toBe('linux/amd64,linux/arm64')
  })

  it('declares optional secrets for another registry', () => {
    expect(call.secrets).toMatchObject({
      'registry-username': { required: false },
      'registry-password': { required: false }
    })
  })

  it('outputs digest, tags and refs from the merge job, which takes them from the action', () => {
    const merge = job('merge')
    for (const name of ['digest', 'tags', 'refs']) {
      expect(call.outputs[name]?.value).toBe(`\${{ jobs.merge.outputs.${name} }}`)
      expect(merge.outputs?.[name]).toBe(`\${{ steps.image.outputs.${name} }}`)
    }
    expect(usesThisAction(step('merge', s => s.id === 'image').uses ?? '')).toBe(true)
  })

  it('states exactly contents: read and packages: write at the top', () => {
    expect(workflow.permissions).toEqual({ contents: 'read', packages: 'write' })
  })

  it('builds one leg per platform, on the matrix runner, pushing by digest', () => {
    const build = job('build')
    expect(build['runs-on']).toBe('${{ matrix.runner }}')
    expect(build.strategy).toEqual({ matrix: '${{ fromJSON(needs.matrix.outputs.matrix) }}' })
    const image = step('build', s => s.id === 'image')
    expect(image.with).toMatchObject({
      platforms: '${{ matrix.platform }}',
      'push-by-digest': '${{ needs.matrix.outputs.push }}'
    })
    expect(image.with?.merge).toBeUndefined()
  })

  it('merges with merge: true, the collected digests and the same metadata inputs', () => {
    const merge = job('merge')
    expect(merge.needs).toEqual(['matrix', 'build'])
    const image = step('merge', s => s.id === 'image')
    expect(image.with).toMatchObject({ merge: 'true', digests: '${{ steps.digests.outputs.lines }}' })
    const legInputs = step('build', s => s.id === 'image').with ?? {}
    for (const name of ['registry', 'username', 'password', 'images', 'tags', 'flavor', 'labels'])
      expect(image.with?.[name]).toBe(legInputs[name])
  })

  it('passes digests through uniquely named artifacts the merge job downloads by pattern', () => {
    const upload = step('build', s => s.uses?.startsWith('actions/upload-artifact@') === true)
    const download = step('merge', s => s.uses?.startsWith('actions/download-artifact@') === true)
    const name = String(upload.with?.name)
    const pattern = String(download.with?.pattern)
    expect(name).toBe('digests-${{ needs.matrix.outputs.key }}-${{ matrix.slug }}')
    expect(pattern).toBe('digests-${{ needs.matrix.outputs.key }}-*')
    expect(name.startsWith(pattern.slice(0, -1))).toBe(true)
    expect(download.with?.['merge-multiple']).toBe(true)
    expect(upload.with?.['if-no-files-found']).toBe('error')
  })

  it('runs the action from the repository and commit the workflow was loaded from', () => {
    for (const id of ['build', 'merge']) {
      const used = actionSteps({ jobs: { [id]: job(id) } })
      expect(used.map(s => s.uses)).toEqual(['./.publish-image'])
      const checkout = step(id, s => s.with?.path === '.publish-image')
      expect(checkout.uses).toMatch(/^actions\/checkout@/)
      expect(checkout.with).toMatchObject({
        repository: '${{ job.workflow_repository }}',
        ref: '${{ job.workflow_sha }}'
      })
    }
  })

  it('sets up QEMU only when the runner cannot run the platform natively', () => {
    const qemu = step('build', s => s.uses?.startsWith('docker/setup-qemu-action@') === true)
    expect(qemu.if).toBe('runner.arch != matrix.native-arch')
    expect(qemu.with).toEqual({ platforms: '${{ matrix.platform }}' })
  })

  it('builds the caller’s repository from a folder of its own, outside the action’s checkout', () => {
    const checkout = step('build', s => s.with?.path === 'source')
    expect(checkout.with?.repository).toBeUndefined()
    expect(step('build', s => s.id === 'image').with?.context).toBe('source/${{ inputs.context }}')
  })
})

const jq = spawnSync('jq', ['--version']).status === 0 && spawnSync('bash', ['--version']).status === 0

/** Runs the matrix job's script as the runner would, with the workflow's inputs as its environment. */
function plan(env: Record<string, string>): { status: number | null; stdout: string; outputs: Mapping } {
  const script = load(REUSABLE).jobs.matrix?.steps?.find(s => s.id === 'plan')?.run
  if (!script) throw new Error('no plan step')
  const dir = mkdtempSync(join(tmpdir(), 'plan-'))
  try {
    const output = join(dir, 'output')
    const file = join(dir, 'plan.sh')
    writeFileSync(file, script)
    // The runner's default `shell: bash` on Linux.
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      env: {
        PATH: process.env.PATH,
        GITHUB_OUTPUT: output,
        EVENT_NAME: 'push',
        RUNNERS: '',
        PUSH: 'auto',
        ...env
      },
      encoding: 'utf8'
    })
    const outputs: Mapping = {}
    if (result.status === 0) {
      for (const line of readFileSync(output, 'utf8').split('\n').filter(Boolean)) {
        const at = line.indexOf('=')
        const [key, value] = [line.slice(0, at), line.slice(at + 1)]
        outputs[key] = key === 'matrix' ? JSON.parse(value) : value
      }
    }
    return { status: result.status, stdout: result.stdout, outputs }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

;(jq ? describe : describe.skip)('the matrix job’s script (run with bash and jq)', () => {
  it('puts amd64 and arm64 on their native GitHub-hosted runners and anything else on ubuntu-latest', () => {
    const { status, outputs } = plan({ PLATFORMS: 'linux/amd64, linux/arm64\nlinux/arm/v7,linux/amd64' })
    expect(status).toBe(0)
    expect(outputs.matrix).toEqual({
      include: [
        { platform: 'linux/amd64', runner: 'ubuntu-latest', slug: 'linux-amd64', 'native-arch': 'X64' },
        { platform: 'linux/arm64', runner: 'ubuntu-24.04-arm', slug: 'linux-arm64', 'native-arch': 'ARM64' },
        { platform: 'linux/arm/v7', runner: 'ubuntu-latest', slug: 'linux-arm-v7', 'native-arch': 'ARM' }
      ]
    })
    expect(outputs.count).toBe('3')
    expect(outputs.push).toBe('true')
    expect(outputs.key).toMatch(/^\d+-[0-9a-f]{8}$/)
  })

  it('lets `runners` override and extend the defaults', () => {
    const { outputs } = plan({
      PLATFORMS: 'linux/arm64,linux/s390x',
      RUNNERS: 'linux/arm64 = self-hosted-arm\nlinux/s390x=big-iron'
    })
    expect(outputs.matrix).toEqual({
      include: [
        { platform: 'linux/arm64', runner: 'self-hosted-arm', slug: 'linux-arm64', 'native-arch': 'ARM64' },
        { platform: 'linux/s390x', runner: 'big-iron', slug: 'linux-s390x', 'native-arch': 'none' }
      ]
    })
  })

  it.each([
    ['auto', 'push', 'true'],
    ['auto', 'pull_request', 'false'],
    ['auto', 'pull_request_target', 'true'],
    ['true', 'pull_request', 'true'],
    ['false', 'push', 'false']
  ])('push: %s on %s pushes: %s', (push, event, expected) => {
    expect(plan({ PLATFORMS: 'linux/amd64', PUSH: push, EVENT_NAME: event }).outputs.push).toBe(expected)
  })

  it.each([
    [{ PLATFORMS: '' }, 'platforms: empty'],
    [{ PLATFORMS: 'linux/amd64,amd64' }, 'platforms: amd64 is not os/arch[/variant]'],
    [
      { PLATFORMS: 'linux/amd64', RUNNERS: 'ubuntu-latest' },
      'runners: ubuntu-latest is not platform=runner-label'
    ],
    [{ PLATFORMS: 'linux/amd64', PUSH: 'yes' }, "push must be auto, true or false, not 'yes'"]
  ])('fails with an annotation on %j', (env, message) => {
    const { status, stdout } = plan(env)
    expect(status).not.toBe(0)
    expect(stdout).toContain(`::error::${message}`)
  })
})

describe('the example caller', () => {
  it('runs on workflow_dispatch and calls the reusable workflow with the example folder', () => {
    const example = load(EXAMPLE)
    expect(Object.keys(example.on)).toEqual(['workflow_dispatch'])
    const caller = example.jobs.publish as Job & { uses: string; with: Mapping; permissions: Mapping }
    expect(caller.uses).toBe(`./${REUSABLE}`)
    expect(caller.with).toMatchObject({ context: 'example', 'build-args': 'BASE_IMAGE=busybox:1.36' })
    expect(caller.permissions).toEqual({ contents: 'read', packages: 'write' })
    const declared = Object.keys((load(REUSABLE).on.workflow_call as { inputs: Mapping }).inputs)
    expect(Object.keys(caller.with).filter(k => !declared.includes(k))).toEqual([])
  })
})

describe('.github/dependabot.yml', () => {
  it('updates the npm dependencies and the actions the workflows use, weekly', () => {
    const config = parse(readFileSync(join(ROOT, '.github/dependabot.yml'), 'utf8')) as {
      version: number
      updates: Array<{ 'package-ecosystem': string; directory: string; schedule: { interval: string } }>
    }
    expect(config.version).toBe(2)
    const updates = config.updates.map(u => [u['package-ecosystem'], u.directory, u.schedule.interval])
    expect(updates).toEqual([
      ['npm', '/', 'weekly'],
      ['github-actions', '/', 'weekly']
    ])
  })
})
