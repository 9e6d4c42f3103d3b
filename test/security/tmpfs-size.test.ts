/**
 * A sandbox's /tmp and /dev/shm are tmpfs (memory): without a bound either may take half the host's RAM.
 * /tmp gets the configured size, reports it, and writing past it fails with ENOSPC inside the sandbox.
 * /dev/shm has no filesystem of its own (see docs/sandbox-profile.md): it is /tmp, sharing its size,
 * except under bwrap's --dev (launchers that cannot mount a devpts themselves), where it is a directory
 * of /dev's tmpfs bounded by the sandbox's memory limit (its pages are charged to the sandbox's memory
 * cgroup). The root, with /etc and /dev in it, is read-only.
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

  /** Whether /dev/shm is /tmp (else a directory of bwrap's /dev tmpfs). */
  const shmIsTmp = async () => (await runIn(backend, handle, 'readlink /dev/shm')).stdout.trim() === '/tmp'

  it('/dev/shm is writable by the sandbox user and bounded', async () => {
    const made = await runIn(backend, handle, 'touch /dev/shm/x && stat -L -c %a /dev/shm && rm /dev/shm/x')
    expect(made.stdout.trim()).toBe('1777')
    // /tmp's size, or the memory limit under --dev (dd fails or is killed short of the 64 MiB).
    const underDev = !(await shmIsTmp())
    const bound = underDev ? MEMORY : SIZE
    const fill = (await runIn(backend, handle, FILL('/dev/shm/fill'))).stdout
    expect(fill).not.toMatch(/rc=0/)
    expect(Number(fill.trim().split('\n').at(-1))).toBeLessThanOrEqual(bound)
  })

  it('has a read-only root, /etc and /dev, with /tmp and the home writable', async () => {
    const out = await runIn(
      backend,
      handle,
      'for d in / /etc /dev; do touch $d/labgate-probe 2>/dev/null && echo "$d writable"; done; ' +
        'touch /tmp/ok ~/ok && echo tmp-and-home-ok',
    )
    // Under bwrap's --dev, /dev is its tmpfs, which the sandbox user owns.
    expect(out.stdout.trim()).toBe(`${(await shmIsTmp()) ? '' : '/dev writable\n'}tmp-and-home-ok`)
  })
})
