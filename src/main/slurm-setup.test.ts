import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { authFixture } from '../auth/testing.js'
import { TokenCache } from '../auth/token-cache.js'
import type { SlurmSettings } from '../config/types.js'
import { RUN_SLURM } from '../../test/slurm/slurm-fixture.js'
import { setUpSlurm } from './slurm-setup.js'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function setUp(settings: Partial<SlurmSettings>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'labgate-slurm-setup-'))
  dirs.push(dataDir)
  const a = await authFixture()
  const tokens = new TokenCache({ grants: a.grants, clock: a.clock })
  const logs: string[] = []
  const made = setUpSlurm({
    settings: { tokenEnv: 'LABGATE_TEST_SLURM_JWT', defaults: {}, startTimeout: 60, ...settings },
    portal: 'p',
    dataDir,
    auth: { auth: a.auth, grants: a.grants, tokens, clock: a.clock },
    log: (m) => logs.push(m),
  })
  return { made, logs, dataDir, close: () => (tokens.close(), a.close()) }
}

describe('setting up the slurm backend', () => {
  it('refuses a slurmrestd URL without its JWT, naming the variable', async () => {
    delete process.env.LABGATE_TEST_SLURM_JWT
    const s = await setUp({ url: 'http://127.0.0.1:9' })
    await expect(s.made).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringContaining('LABGATE_TEST_SLURM_JWT'),
    })
    await s.close()
  })

  it('says when slurmrestd cannot be reached', async () => {
    const s = await setUp({ socket: '/nonexistent/slurmrestd.sock' })
    await expect(s.made).rejects.toMatchObject({ code: 'backend_failed' })
    await s.close()
  })

  it.skipIf(!RUN_SLURM)('reaches slurmrestd over HTTP with the JWT of the variable', async () => {
    process.env.LABGATE_TEST_SLURM_JWT = process.env.LABGATE_SLURM_JWT ?? ''
    const s = await setUp({ url: process.env.LABGATE_SLURM_URL ?? 'http://127.0.0.1:6820' })
    const slurm = await s.made
    expect(s.logs.join('\n')).toMatch(/slurmrestd v0\.0\.\d+ at http:\/\/127\.0\.0\.1:\d+/)
    // the default work directory lets the sandboxes' uids pass through, and no more
    expect(statSync(join(s.dataDir, 'slurm')).mode & 0o777).toBe(0o711)
    expect(statSync(s.dataDir).mode & 0o001).toBe(0o001)
    await slurm.close()
    await s.close()
    delete process.env.LABGATE_TEST_SLURM_JWT
  })
})
