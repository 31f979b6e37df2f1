import { describe, expect, it } from '@jest/globals'
import { loadActionYml } from '../../../scripts/run-action.mjs'
import { ENVIRONMENT, FLAGS } from '../../../src/cli/flags.js'
import { helpText } from '../../../src/cli/help.js'

describe('--help and action.yml', () => {
  it('has a flag or an environment variable for every action input, and nothing for inputs that do not exist', async () => {
    const action = await loadActionYml()
    const covered = new Set([...FLAGS, ...ENVIRONMENT].flatMap(f => (f.input ? [f.input] : [])))
    expect([...covered].sort()).toEqual(Object.keys(action.inputs).sort())
  })

  it('lists every flag with a one-line description, and its default', () => {
    const lines = helpText().split('\n')
    for (const flag of FLAGS) {
      const line = lines.find(l => new RegExp(`^ {2}(-h, )?--${flag.name}( |$)`).test(l))
      expect([flag.name, line?.includes(flag.description)]).toEqual([flag.name, true])
      if (flag.default) expect(line).toContain(`[default: ${flag.default}]`)
    }
  })

  it('names every environment variable the CLI reads', () => {
    const help = helpText()
    for (const name of ['GITHUB_TOKEN', 'PUBLISH_IMAGE_PASSWORD', 'GITHUB_REF', 'GITHUB_API_URL']) {
      expect(help).toContain(name)
    }
    for (const env of ENVIRONMENT) expect(help).toContain(env.description)
  })

  it('offers no flag that would put a password on argv', () => {
    expect(FLAGS.map(f => f.name)).not.toContain('password')
    expect(FLAGS.map(f => f.name)).not.toContain('github-token')
    expect(FLAGS.find(f => f.input === 'password')?.kind).toBe('boolean')
  })
})
