import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../../scripts/run-action.mjs'
import { makeContext, pullImage } from '../../support/e2e.js'
import { buildxBuildLine, filesOf, leaksOf } from '../../support/buildx.js'
import { testEnv, uniqueRepo } from '../../support/env.js'

/** An ssh-agent holding one fresh key, for `ssh: default`. */
async function startAgent(): Promise<{ socket: string; agent: ChildProcess }> {
  const dir = await mkdtemp(join(tmpdir(), 'ssh-agent-'))
  const socket = join(dir, 'agent.sock')
  const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' })
  const key = join(dir, 'id_ed25519')
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
  for (let i = 0; i < 50; i++) {
    try {
      execFileSync('ssh-add', [key], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' })
      break
    } catch {
      await new Promise(r => setTimeout(r, 100))
    }
  }
  return { socket, agent }
}

describe('dist/index.js with buildx and the build-push-action inputs', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-buildx-bpa')}`
  const envSecret = `env-${randomBytes(12).toString('hex')}`
  const fileSecret = `file-${randomBytes(12).toString('hex')}`
  let agent: ChildProcess | undefined
  let outDir: string
  let context: string
  let inputs: Record<string, string>
  let runEnv: Record<string, string>
  let first: ActionRun
  let files: Map<string, Buffer>
  let filtered: ActionRun
  let filteredFiles: Map<string, Buffer>

  beforeAll(async () => {
    const ssh = await startAgent()
    agent = ssh.agent
    outDir = await mkdtemp(join(tmpdir(), 'buildx-output-'))
    const extra = await makeContext({ 'extra.txt': 'from a named context\n' })
    const secrets = await makeContext({ 'secret.txt': fileSecret })
    context = await makeContext({
      Dockerfile: [
        `FROM ${env.baseImage} AS prep`,
        'RUN cat /proc/sys/kernel/random/uuid > /prep-random',
        'FROM prep AS app',
        'RUN cat /proc/sys/kernel/random/uuid > /app-random',
        'COPY --from=extra extra.txt /extra.txt',
        'RUN cp /etc/hosts /hosts && ls /sys/class/net > /ifaces && grep /dev/shm /proc/mounts > /shm ' +
          '&& ulimit -n > /nofile',
        'RUN --mount=type=secret,id=from-env --mount=type=secret,id=from-file ' +
          'sh -c "wc -c < /run/secrets/from-env > /env-len && wc -c < /run/secrets/from-file > /file-len"',
        'RUN --mount=type=ssh sh -c "test -S \\"$SSH_AUTH_SOCK\\" && echo agent > /ssh"',
        ''
      ].join('\n')
    })
    runEnv = { SSH_AUTH_SOCK: ssh.socket, BPA_SECRET: envSecret }
    inputs = {
      registry: env.registry,
      images: image,
      tags: 'type=raw,value=bpa',
      builder: 'buildx',
      password: '',
      network: 'none',
      'add-hosts': 'db.internal:10.1.2.3,cache.internal:10.1.2.4',
      'shm-size': '96m',
      ulimit: 'nofile=1234:1234',
      ssh: 'default',
      'build-contexts': `extra=${extra}`,
      'secret-envs': 'from-env=BPA_SECRET',
      'secret-files': `from-file=${join(secrets, 'secret.txt')}`,
      outputs: `type=local,dest=${outDir}`
    }
    first = await runAction({ cwd: context, env: runEnv, inputs })
    if (first.exitCode === 0) files = filesOf(await pullImage(`${image}@${first.outputs.digest}`))
    filtered = await runAction({
      cwd: context,
      env: runEnv,
      inputs: { ...inputs, 'no-cache-filters': 'app' }
    })
    if (filtered.exitCode === 0)
      filteredFiles = filesOf(await pullImage(`${image}@${filtered.outputs.digest}`))
  }, 600000)

  afterAll(() => {
    agent?.kill()
  })

  it('succeeds, passing each input as its buildx flag', () => {
    expect(first.stdout).not.toMatch(/::error/)
    expect(first.exitCode).toBe(0)
    const command = buildxBuildLine(first.stdout)
    for (const flag of [
      '--network none',
      '--add-host db.internal:10.1.2.3',
      '--shm-size 96m',
      '--ssh default'
    ])
      expect(command).toContain(flag)
  })

  it('network: none leaves RUN steps only the loopback interface', () => {
    expect(files.get('ifaces')?.toString('utf8')).toBe('lo\n')
  })

  it('add-hosts, shm-size and ulimit shape the RUN steps', () => {
    const hosts = files.get('hosts')?.toString('utf8') ?? ''
    expect(hosts).toMatch(/^10\.1\.2\.3\s+db\.internal$/m)
    expect(hosts).toMatch(/^10\.1\.2\.4\s+cache\.internal$/m)
    expect(files.get('shm')?.toString('utf8')).toContain('size=98304k')
    expect(files.get('nofile')?.toString('utf8')).toBe('1234\n')
  })

  it('build-contexts feeds COPY --from, and ssh mounts the agent', () => {
    expect(files.get('extra.txt')?.toString('utf8')).toBe('from a named context\n')
    expect(files.get('ssh')?.toString('utf8')).toBe('agent\n')
  })

  it('secret-envs and secret-files mount their secrets, never shown nor stored', async () => {
    expect(files.get('env-len')?.toString('utf8').trim()).toBe(String(envSecret.length))
    expect(files.get('file-len')?.toString('utf8').trim()).toBe(String(fileSecret.length))
    const pulled = await pullImage(`${image}@${first.outputs.digest}`)
    expect(leaksOf(first, pulled, envSecret)).toEqual([])
    expect(leaksOf(first, pulled, fileSecret)).toEqual([])
  })

  it('outputs writes the extra local output besides the push', async () => {
    expect(await readFile(join(outDir, 'extra.txt'), 'utf8')).toBe('from a named context\n')
  })

  it('no-cache-filters rebuilds the named stage only', () => {
    expect(filtered.exitCode).toBe(0)
    expect(filteredFiles.get('prep-random')?.toString('utf8')).toBe(
      files.get('prep-random')?.toString('utf8')
    )
    expect(filteredFiles.get('app-random')?.toString('utf8')).not.toBe(
      files.get('app-random')?.toString('utf8')
    )
  })
})

describe('dist/index.js with buildx and allow', () => {
  const env = testEnv()
  const image = `${env.registry}/${uniqueRepo('e2e-buildx-allow')}`
  const inputs = (extra: Record<string, string>) => ({
    registry: env.registry,
    images: image,
    builder: 'buildx',
    password: '',
    ...extra
  })
  let allowed: ActionRun
  let refused: ActionRun
  let caps: string

  beforeAll(async () => {
    const context = await makeContext({
      Dockerfile: `FROM ${env.baseImage}\nRUN --security=insecure grep CapEff /proc/self/status > /caps\n`
    })
    allowed = await runAction({ cwd: context, inputs: inputs({ allow: 'security.insecure' }) })
    if (allowed.exitCode === 0)
      caps =
        filesOf(await pullImage(`${image}@${allowed.outputs.digest}`))
          .get('caps')
          ?.toString('utf8') ?? ''
    refused = await runAction({ cwd: context, inputs: inputs({}) })
  }, 300000)

  it('grants security.insecure: the RUN step has every capability', () => {
    expect(allowed.stdout).not.toMatch(/::error/)
    expect(allowed.exitCode).toBe(0)
    expect(allowed.stdout).toContain('--allow security.insecure')
    // a default RUN step lacks CAP_SYS_ADMIN (bit 21); an insecure one has it
    const effective = BigInt(`0x${/^CapEff:\s+([0-9a-f]+)$/m.exec(caps)?.[1] ?? '0'}`)
    expect((effective >> 21n) & 1n).toBe(1n)
  })

  it('without allow, BuildKit refuses the entitlement and the run fails', () => {
    expect(refused.exitCode).not.toBe(0)
    expect(refused.stdout).toContain('security.insecure')
  })
})
