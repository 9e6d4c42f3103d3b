import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { unfinishedSandboxPids } from './unfinished.js'

it('finds the processes whose stderr is a setup log under the data directory, but the excluded ones', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'labgate-unfinished-'))
  mkdirSync(join(dataDir, 'sessions', 's1'), { recursive: true })
  const log = openSync(join(dataDir, 'sessions', 's1', 'bwrap.log'), 'w')
  const other = openSync(join(dataDir, 'sessions', 's1', 'other.log'), 'w')
  const stuck = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', log] })
  const kept = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', log] })
  const unrelated = spawn('sleep', ['30'], { stdio: ['ignore', 'ignore', other] })
  try {
    expect(await unfinishedSandboxPids(dataDir, new Set([kept.pid!]))).toEqual([stuck.pid])
  } finally {
    for (const c of [stuck, kept, unrelated]) c.kill('SIGKILL')
    rmSync(dataDir, { recursive: true, force: true })
  }
})
