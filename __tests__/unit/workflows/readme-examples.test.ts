import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { parse } from 'yaml'
import {
  actionInputs,
  actionSteps,
  looksLikeWorkflow,
  ROOT,
  undeclaredActionInputs,
  workflowErrors,
  yamlBlocks
} from './validate.js'

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
const workflows = yamlBlocks(readme)
  .filter(block => looksLikeWorkflow(block.text))
  .map(block => ({ ...block, where: `README.md:${block.line}` }))

describe('workflow examples in README.md', () => {
  it('has at least one workflow example that runs this action', () => {
    expect(workflows.length).toBeGreaterThan(0)
    expect(workflows.some(w => actionSteps(parse(w.text)).length > 0)).toBe(true)
  })

  it.each(workflows)('$where passes GitHub’s workflow parser', async ({ where, text }) => {
    expect(await workflowErrors(where, text)).toEqual([])
  })

  it.each(workflows)('$where passes this action only inputs declared in action.yml', async ({ text }) => {
    expect(undeclaredActionInputs(parse(text), await actionInputs())).toEqual([])
  })
})

describe('extracting the examples', () => {
  const markdown = [
    '# Title',
    '',
    '```yaml',
    'on: push',
    'jobs:',
    '  a:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: OWNER/publish-image@v1',
    '        with:',
    '          tags: type=sha',
    '```',
    '',
    '- A list item with an indented block:',
    '',
    '  ```yml',
    '  jobs:',
    '    b:',
    '      runs-on: ubuntu-latest',
    '      steps:',
    '        - run: echo',
    '  ```',
    '',
    '```yaml',
    'labels: |',
    '  a=b',
    '```',
    '',
    '```sh',
    'jobs: not yaml',
    '```'
  ].join('\n')

  it('finds yaml and yml fences, dedents indented ones and keeps their line numbers', () => {
    const blocks = yamlBlocks(markdown)
    expect(blocks.map(b => b.line)).toEqual([4, 17, 25])
    expect(blocks[1]?.text).toBe('jobs:\n  b:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n')
    expect(blocks.map(b => looksLikeWorkflow(b.text))).toEqual([true, true, false])
  })

  it('reports a broken example', async () => {
    const [first] = yamlBlocks(markdown)
    const broken = (first?.text ?? '').replace('runs-on:', 'runs_on:')
    expect((await workflowErrors('README.md:4', broken)).join('\n')).toMatch(/runs_on/)
    const typo = (first?.text ?? '').replace('tags:', 'tagz:')
    expect(undeclaredActionInputs(parse(typo), await actionInputs())).toEqual([
      "job a, step 1 (OWNER/publish-image@v1): input 'tagz' is not declared in action.yml"
    ])
  })

  it('checks an example that calls the reusable workflow against its inputs', async () => {
    const caller = `on: push
jobs:
  image:
    uses: OWNER/publish-image/.github/workflows/publish-image.yml@v1
    with:
      platforms: linux/amd64,linux/arm64
`
    expect(await workflowErrors('README.md', caller)).toEqual([])
    const wrong = caller.replace('platforms:', 'platform:')
    expect((await workflowErrors('README.md', wrong)).join('\n')).toMatch(/platform/)
  })
})
