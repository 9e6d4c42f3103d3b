/**
 * A sandbox's /tmp and /dev/shm are tmpfs (memory): without a size each may take half the host's RAM. They
 * get the configured size, report it, and writing past it fails with ENOSPC inside the sandbox.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SandboxHandle } from '../../src/backends/backend.js'
import { LocalBackend } from '../../src/backends/local/index.js'
import { killSandboxesUnder, runIn } from '../../src/backends/local/testing.js'

const SIZE = 16 * 1024 * 1024

describe('tmpfs size', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'labgate-tmpfs-'))
  const backend = new LocalBackend({ dataDir, tmpSize: SIZE, log: () => {} })
  let handle: SandboxHandle

  beforeAll(async () => {
    handle = (await backend.start({ session: 'tmpfs-w01-s001', workshop: 'w', env: {} })).handle
  })
  afterAll(async () => {
    await backend.stop(handle, { purge: true }).catch(() => {})
    await backend.close()
    killSandboxesUnder(dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  })

  for (const dir of ['/tmp', '/dev/shm']) {
    it(`${dir} reports and enforces its size`, async () => {
      const df = await runIn(backend, handle, `df -B1 --output=size ${dir} | tail -1`)
      expect(Number(df.stdout.trim())).toBe(SIZE)
      // Four times the size, in 1 MiB writes: must stop at the size with ENOSPC.
      const fill = await runIn(
        backend,
        handle,
        `dd if=/dev/zero of=${dir}/fill bs=1M count=64 2>&1; echo "rc=$?"`,
      )
      expect(fill.stdout).toMatch(/No space left on device/)
      expect(fill.stdout).toMatch(/rc=1/)
      const used = await runIn(backend, handle, `du -B1 -s ${dir}/fill | cut -f1; rm -f ${dir}/fill`)
      expect(Number(used.stdout.trim())).toBeLessThanOrEqual(SIZE)
    })
  }
})
