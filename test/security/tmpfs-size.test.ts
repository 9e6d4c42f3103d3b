/**
 * A sandbox's /tmp and /dev/shm are tmpfs (memory): without a bound either may take half the host's RAM.
 * /tmp gets the configured size, reports it, and writing past it fails with ENOSPC inside the sandbox.
 * /dev/shm lives in the sandbox's /dev tmpfs (no filesystem of its own, see docs/capacity.md) and is
 * bounded by the sandbox's memory limit: its pages are charged to the sandbox's memory cgroup. Without
 * a private devpts (labgate not root) /dev takes the size of /tmp. The root, with /etc in it, is
 * read-only.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SandboxHandle } from '../../src/backends/backend.js'
import { LocalBackend } from '../../src/backends/local/index.js'
import { killSandboxesUnder, runIn } from '../../src/backends/local/testing.js'

const SIZE = 16 * 1024 * 1024
const MEMORY = 48 * 1024 * 1024

/** Writes four times SIZE into `file` in 1 MiB blocks, then reports dd's output, its status and what stuck. */
const FILL = (file: string) =>
  `dd if=/dev/zero of=${file} bs=1M count=${(4 * SIZE) / 2 ** 20} 2>&1; echo "rc=$?"; du -B1 -s ${file} | cut -f1; rm -f ${file}`

describe('tmpfs size', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'labgate-tmpfs-'))
  const backend = new LocalBackend({ dataDir, tmpSize: SIZE, log: () => {} })
  const asRoot = process.getuid?.() === 0
  let handle: SandboxHandle

  beforeAll(async () => {
    const limits = { memoryBytes: MEMORY }
    handle = (await backend.start({ session: 'tmpfs-w01-s001', workshop: 'w', env: {}, limits })).handle
  })
  afterAll(async () => {
    await backend.stop(handle, { purge: true }).catch(() => {})
    await backend.close()
    killSandboxesUnder(dataDir)
    rmSync(dataDir, { recursive: true, force: true })
  })

  it('/tmp reports and enforces its size', async () => {
    const df = await runIn(backend, handle, `df -B1 --output=size /tmp | tail -1`)
    expect(Number(df.stdout.trim())).toBe(SIZE)
    const fill = (await runIn(backend, handle, FILL('/tmp/fill'))).stdout
    expect(fill).toMatch(/No space left on device/)
    expect(fill).toMatch(/rc=1/)
    expect(Number(fill.trim().split('\n').at(-1))).toBeLessThanOrEqual(SIZE)
  })

  it('/dev/shm is writable by the sandbox user and bounded', async () => {
    const made = await runIn(backend, handle, 'touch /dev/shm/x && stat -c %a /dev/shm && rm /dev/shm/x')
    expect(made.stdout.trim()).toBe('1777')
    // As root the bound is the memory limit (dd fails or is killed short of the 64 MiB); otherwise /dev's size.
    const bound = asRoot ? MEMORY : SIZE
    const fill = (await runIn(backend, handle, FILL('/dev/shm/fill'))).stdout
    expect(fill).not.toMatch(/rc=0/)
    expect(Number(fill.trim().split('\n').at(-1))).toBeLessThanOrEqual(bound)
  })

  it('has a read-only root and /etc, with /tmp and the home writable', async () => {
    const out = await runIn(
      backend,
      handle,
      'for d in / /etc /dev; do touch $d/labgate-probe 2>/dev/null && echo "$d writable"; done; ' +
        'touch /tmp/ok ~/ok && echo tmp-and-home-ok',
    )
    expect(out.stdout.trim()).toBe('/dev writable\ntmp-and-home-ok')
  })
})
