import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { GREETER, runBackendSuite } from '../../../test/conformance/backend.suite.js'
import { RUN_SLURM, slurmFixture, type SlurmFixture } from '../../../test/slurm/slurm-fixture.js'
import { parseSlurmHandle } from './handle.js'

runBackendSuite<SlurmFixture>({
  name: 'slurm (the one-node cluster of scripts/slurm-cluster.sh)',
  skip: !RUN_SLURM,
  concurrency: 8,
  make: () => slurmFixture(),
  remake: (f) => f.restart(),
  serve: async ({ backend }, handle, port) => {
    // a pty's process keeps running until the sandbox stops
    backend.exec(handle, {
      argv: ['python3', '-c', GREETER, String(port)],
      env: {},
      pty: { cols: 80, rows: 24 },
    })
  },
})

describe.skipIf(!RUN_SLURM)('the slurm backend beyond the suite', () => {
  let f: SlurmFixture | undefined
  afterEach(async () => {
    await f?.cleanup()
    f = undefined
  })
  const spec = (session: string) => ({ session, workshop: 'w', env: {} })

  it('fails a start whose job ends before its agent connects, with the job output', async () => {
    f = await slurmFixture({ agentCommand: ['/bin/sh', '-c', 'echo "no agent here" >&2; exit 3'] })
    const session = `${f.portal}-w01-s901`
    await expect(f.backend.start(spec(session))).rejects.toThrow(
      /ended before its agent connected: the Slurm job failed \(exit status 3\); its output ends: no agent here/,
    )
    const mark = `labgate portal=${f.portal}`
    const live = (await f.slurm.jobs()).filter(
      (j) => j.comment === mark && ['PENDING', 'RUNNING'].includes(j.state),
    )
    expect(live).toEqual([])
  })

  it("deletes a job's output with purge, and sweeps the outputs of sessions that are gone", async () => {
    f = await slurmFixture()
    const portal = f.portal
    const { handle } = await f.backend.start(spec(`${portal}-w01-s902`))
    const output = join(f.workDir, `${portal}-w01-s902.out`)
    expect(existsSync(output)).toBe(true)
    await f.backend.stop(handle, { purge: true })
    expect(existsSync(output)).toBe(false)
    expect((await f.slurm.job(parseSlurmHandle(handle)!.job))?.state).toMatch(/COMPLETED|CANCELLED/)
    for (const name of [`${portal}-w01-s903`, `${portal}-w01-s904`, 'other-w01-s001'])
      writeFileSync(join(f.workDir, `${name}.out`), 'x')
    expect(await f.backend.sweep([], [`${portal}-w01-s904`])).toBe(0)
    expect(existsSync(join(f.workDir, `${portal}-w01-s903.out`))).toBe(false)
    expect(existsSync(join(f.workDir, `${portal}-w01-s904.out`))).toBe(true)
    expect(existsSync(join(f.workDir, 'other-w01-s001.out'))).toBe(true)
  })
})
