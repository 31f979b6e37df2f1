import { describe, expect, it } from '@jest/globals'
import { UsageError } from '../../../src/cli/errors.js'
import { gitContextEnv, githubRepository, readLocalGit, type Exec } from '../../../src/cli/git.js'

describe('githubRepository: remote URL → OWNER/NAME', () => {
  it.each([
    ['https://github.com/Octo-Org/Hello.git', 'Octo-Org/Hello'],
    ['https://github.com/Octo-Org/Hello', 'Octo-Org/Hello'],
    ['https://github.com/Octo-Org/Hello/', 'Octo-Org/Hello'],
    ['https://x-access-token:ghs_abc@github.com/o/r.git', 'o/r'],
    ['http://GitHub.com/o/r.git', 'o/r'],
    ['git@github.com:Octo-Org/Hello.git', 'Octo-Org/Hello'],
    ['github.com:o/r', 'o/r'],
    ['ssh://git@github.com/o/r.git', 'o/r'],
    ['ssh://git@github.com:22/o/my.repo.git', 'o/my.repo'],
    ['git://github.com/o/r.git', 'o/r']
  ])('%s → %s', (url, expected) => {
    expect(githubRepository(url)).toBe(expected)
  })

  it.each([
    'https://gitlab.com/o/r.git',
    'git@gitlab.com:o/r.git',
    'https://github.com/o',
    'https://github.com/o/r/tree/main',
    '/srv/git/r.git',
    '../r',
    ''
  ])('%s is not a GitHub repository', url => {
    expect(githubRepository(url)).toBeUndefined()
  })

  it('matches the host of GitHub Enterprise Server when told', () => {
    expect(githubRepository('git@ghe.example.com:o/r.git', 'ghe.example.com')).toBe('o/r')
    expect(githubRepository('git@github.com:o/r.git', 'ghe.example.com')).toBeUndefined()
  })
})

/** A git that answers from a table and records what it ran. */
function fakeGit(answers: Record<string, string | undefined>): { exec: Exec; calls: string[] } {
  const calls: string[] = []
  const exec: Exec = async (cmd, args, options) => {
    const line = `${cmd} ${args.join(' ')}`
    calls.push(`${options?.cwd}: ${line}`)
    const answer = answers[line]
    if (answer === undefined) throw new Error(`${line} failed`)
    return { stdout: `${answer}\n`, stderr: '' }
  }
  return { exec, calls }
}

const HEAD = 'git rev-parse --verify --quiet HEAD'
const BRANCH = 'git symbolic-ref --quiet HEAD'
const TAG = 'git describe --tags --exact-match HEAD'
const ORIGIN = 'git remote get-url origin'
const SHA = '0123456789abcdef0123456789abcdef01234567'

describe('readLocalGit', () => {
  it('reads HEAD, its branch and origin in the given directory', async () => {
    const git = fakeGit({ [HEAD]: SHA, [BRANCH]: 'refs/heads/main', [ORIGIN]: 'git@github.com:o/r.git' })
    expect(await readLocalGit('/repo', git.exec)).toEqual({
      sha: SHA,
      ref: 'refs/heads/main',
      remoteUrl: 'git@github.com:o/r.git'
    })
    expect(git.calls.every(c => c.startsWith('/repo: '))).toBe(true)
    expect(git.calls.some(c => c.includes(TAG))).toBe(false)
  })

  it('uses the tag at HEAD when HEAD is detached', async () => {
    const git = fakeGit({ [HEAD]: SHA, [TAG]: 'v1.2.3' })
    expect(await readLocalGit('/repo', git.exec)).toEqual({
      sha: SHA,
      ref: 'refs/tags/v1.2.3',
      remoteUrl: ''
    })
  })

  it('leaves the ref empty for a detached HEAD without a tag', async () => {
    expect((await readLocalGit('/repo', fakeGit({ [HEAD]: SHA }).exec))?.ref).toBe('')
  })

  it('is undefined outside a repository', async () => {
    expect(await readLocalGit('/tmp', fakeGit({}).exec)).toBeUndefined()
  })
})

describe('gitContextEnv', () => {
  const local = { sha: SHA, ref: 'refs/heads/main', remoteUrl: 'https://github.com/Octo-Org/Hello.git' }

  it('sets what the metadata stage reads from the local repository', () => {
    const env = gitContextEnv({ PATH: '/bin' }, local, { imagesGiven: false })
    expect(env).toEqual({
      PATH: '/bin',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_SHA: SHA,
      GITHUB_REF: 'refs/heads/main',
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'Octo-Org/Hello',
      GITHUB_REPOSITORY_OWNER: 'Octo-Org'
    })
  })

  it('keeps what the environment already says, and never changes the env it was given', () => {
    const given = { GITHUB_REF: 'refs/tags/v2.0.0', GITHUB_SHA: 'f'.repeat(40), GITHUB_REPOSITORY: 'a/b' }
    const env = gitContextEnv(given, local, { imagesGiven: false })
    expect([env.GITHUB_REF, env.GITHUB_SHA, env.GITHUB_REPOSITORY]).toEqual([
      'refs/tags/v2.0.0',
      'f'.repeat(40),
      'a/b'
    ])
    expect(given).toEqual({
      GITHUB_REF: 'refs/tags/v2.0.0',
      GITHUB_SHA: 'f'.repeat(40),
      GITHUB_REPOSITORY: 'a/b'
    })
  })

  it('lets --repository win over the environment and origin', () => {
    const env = gitContextEnv({ GITHUB_REPOSITORY: 'a/b' }, local, { repository: 'c/d', imagesGiven: false })
    expect(env.GITHUB_REPOSITORY).toBe('c/d')
  })

  it('reads an Enterprise remote when GITHUB_SERVER_URL names its host', () => {
    const ghe = { ...local, remoteUrl: 'git@ghe.example.com:o/r.git' }
    const env = gitContextEnv({ GITHUB_SERVER_URL: 'https://ghe.example.com' }, ghe, { imagesGiven: false })
    expect(env.GITHUB_REPOSITORY).toBe('o/r')
  })

  it('asks for --repository when the repository is unknown and no image is given', () => {
    const other = { ...local, remoteUrl: 'https://gitlab.com/o/r.git' }
    const run = () => gitContextEnv({}, other, { imagesGiven: false })
    expect(run).toThrow(UsageError)
    expect(run).toThrow(/--repository: .*origin remote is not a GitHub repository.*--image/)
    expect(() => gitContextEnv({}, undefined, { imagesGiven: false })).toThrow(/not a git repository/)
  })

  it('goes on without a repository when images are given', () => {
    const env = gitContextEnv({}, undefined, { imagesGiven: true })
    expect(env.GITHUB_REPOSITORY).toBeUndefined()
    expect(env.GITHUB_SHA).toBeUndefined()
  })

  it('rejects a --repository that is not OWNER/NAME', () => {
    expect(() => gitContextEnv({}, local, { repository: 'just-a-name', imagesGiven: true })).toThrow(
      /--repository: 'just-a-name' is not OWNER\/NAME/
    )
  })
})
