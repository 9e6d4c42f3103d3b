import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { batchScript, shellWord } from './batch-script.js'

const run = promisify(execFile)

/** What `/bin/sh` makes of `words` quoted by shellWord: each word, NUL-terminated, as printf prints it. */
async function throughShell(words: string[]): Promise<string[]> {
  const { stdout } = await run('/bin/sh', ['-c', `printf '%s\\0' ${words.map(shellWord).join(' ')}`])
  return stdout.split('\0').slice(0, -1)
}

const HOSTILE = [
  "it's",
  "'",
  "''",
  '"double"',
  'two words',
  '  padded  ',
  '$HOME',
  '${PATH}',
  '$(id)',
  '`id`',
  'a\nb',
  '\n',
  'tab\there',
  'semi;colon',
  'a && b || c',
  'glob*?[x]',
  '~user',
  '#not-a-comment',
  'back\\slash',
  'mixed \'single\' and "double" and $(cmd) and `cmd`',
  '-n',
  'ünïcødé ✓',
  '',
]

describe('shellWord', () => {
  it('leaves plain words alone', () => {
    for (const w of ['/usr/bin/node', 'labgate-agent.js', 'a=b', 'user@host:1,2', '100%', 'x+y'])
      expect(shellWord(w)).toBe(w)
  })

  it('quotes anything else', () => {
    expect(shellWord('two words')).toBe("'two words'")
    expect(shellWord("it's")).toBe(`'it'\\''s'`)
    expect(shellWord('')).toBe("''")
  })

  it('round-trips hostile strings through /bin/sh, one word each', async () => {
    expect(await throughShell(HOSTILE)).toEqual(HOSTILE)
  })

  it('round-trips each hostile string alone', async () => {
    for (const w of HOSTILE) expect(await throughShell([w]), JSON.stringify(w)).toEqual([w])
  })
})

describe('batchScript', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'labgate-batch-script-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  /** Runs the batch script of `agentCommand` with sh, from a file as Slurm would; resolves with its output. */
  async function runScript(agentCommand: string[]) {
    const file = path.join(dir, `job-${Math.random().toString(36).slice(2)}.sh`)
    await writeFile(file, batchScript({ agentCommand }))
    return run('/bin/sh', [file])
  }

  it('is a sh script that execs the agent command', () => {
    const script = batchScript({ agentCommand: ['/usr/bin/node', '/opt/labgate/bin/labgate-agent.js'] })
    expect(script.startsWith('#!/bin/sh\n')).toBe(true)
    expect(script.endsWith('\n')).toBe(true)
    expect(script.split('\n')).toContain('exec /usr/bin/node /opt/labgate/bin/labgate-agent.js')
  })

  it('passes every argument exactly', async () => {
    const { stdout } = await runScript(['/usr/bin/printf', '%s|%s', "a'b", '"c d"'])
    expect(stdout).toBe(`a'b|"c d"`)
  })

  it('passes hostile arguments exactly, without expanding them', async () => {
    const { stdout } = await runScript(['/usr/bin/printf', '%s\\0', ...HOSTILE])
    expect(stdout.split('\0').slice(0, -1)).toEqual(HOSTILE)
  })

  it('replaces the shell with the command: nothing after it runs', async () => {
    const script = batchScript({ agentCommand: ['/bin/echo', 'agent'] })
    const { stdout } = await run('/bin/sh', ['-c', `${script}\necho after`])
    expect(stdout).toBe('agent\n')
  })
})
