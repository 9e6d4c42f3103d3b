/**
 * A sandbox that fills its home must not fill the disk that holds labgate.db: each home is its own
 * filesystem of `homeSize` bytes, so writing past it fails with ENOSPC inside the sandbox, the data
 * directory's filesystem gains at most that much, and the API (which writes to the database) keeps answering.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, lstatSync, rmSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalHandle } from '../../src/backends/local/handle.js'
import { LocalBackend } from '../../src/backends/local/index.js'
import { killSandboxesUnder, runIn } from '../../src/backends/local/testing.js'
import { startHarness, type Harness } from '../harness.js'

const MiB = 1024 * 1024
const HOME_SIZE = 64 * MiB
/** What the filler tries to write: four times the home's size. */
const FILL_MIB = 256

/** Bytes allocated to files under `dir` on `dir`'s own filesystem (mounted filesystems below are skipped). */
function usedOnDevice(dir: string, dev = lstatSync(dir).dev): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const st = lstatSync(path)
    if (st.dev !== dev) continue
    total += st.blocks * 512
    if (st.isDirectory()) total += usedOnDevice(path, dev)
  }
  return total
}

/** True when the mount namespace of `pid` has a mount under `dir`. */
const mounted = (dir: string, pid: number | 'self' = 'self') =>
  readFileSync(`/proc/${pid}/mountinfo`, 'utf8').includes(` ${dir}/`)
/** Loop devices backed by a file under `dir`. */
const loopsUnder = (dir: string) =>
  execFileSync('/usr/sbin/losetup', ['--list', '--noheadings', '--output', 'BACK-FILE'], { encoding: 'utf8' })
    .split('\n')
    .filter((file) => file.trim().startsWith(dir + '/'))

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN

describe('a disk filler in a sandbox', () => {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-disk-'))
  chmodSync(dir, 0o711)
  const data = join(dir, 'data')
  let backend: LocalBackend
  let h: Harness
  let handle: LocalHandle

  beforeAll(async () => {
    backend = new LocalBackend({ dataDir: data, homeSize: HOME_SIZE, homeSpares: 1, log: () => {} })
    h = await startHarness({ workshops: [{ name: 'w', capacity: 1, reserved: 0 }] }, { data, backend })
    handle = (await backend.start({ session: 'disk-w01-s001', workshop: 'w', env: {} })).handle as LocalHandle
  })
  afterAll(async () => {
    await backend.stop(handle, { purge: true }).catch(() => {})
    await h?.close()
    await backend.close()
    killSandboxesUnder(data)
    rmSync(dir, { recursive: true, force: true })
  })

  it('stops the filler with ENOSPC at the home size while the API answers', async () => {
    const token = await h.token()
    const call = async () => {
      const t0 = performance.now()
      const res = await fetch(`${h.url}/workshops/catalog/environments/`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(res.status).toBe(200)
      await res.arrayBuffer()
      return performance.now() - t0
    }
    const idle: number[] = []
    for (let i = 0; i < 100; i += 1) idle.push(await call())
    const before = usedOnDevice(data)
    const during: number[] = []
    let filling = true
    const probe = (async () => {
      while (filling) during.push(await call())
    })()
    // Fill the home, then keep hitting the full disk with synchronous writes for a while.
    const fill = await runIn(
      backend,
      handle,
      `dd if=/dev/zero of=$HOME/fill bs=1M count=${FILL_MIB} conv=fsync 2>&1; echo "rc=$?"
       for i in $(seq 40); do dd if=/dev/zero of=$HOME/more$i bs=1M count=8 conv=fsync 2>/dev/null; done`,
    )
    filling = false
    await probe
    expect(fill.stdout).toMatch(/No space left on device/)
    expect(fill.stdout).toMatch(/rc=1/)
    const df = await runIn(backend, handle, 'df -B1 --output=size $HOME | tail -1')
    expect(Number(df.stdout.trim())).toBeLessThanOrEqual(HOME_SIZE)
    const gained = usedOnDevice(data) - before
    // The image holds at most HOME_SIZE; allow for the database's own growth meanwhile.
    expect(gained).toBeLessThanOrEqual(HOME_SIZE + 8 * MiB)
    // The API still writes to the database after the home is full: a password grant stores tokens.
    expect(await h.token()).toBeTruthy()
    const report = (xs: number[]) => {
      const s = [...xs].sort((x, y) => x - y)
      const q = (p: number) => percentile(s, p).toFixed(1)
      return `${s.length} requests, p50 ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${q(1)} ms`
    }
    console.log(
      `disk filler: data filesystem gained ${(gained / MiB).toFixed(1)} MiB; catalog latency idle: ` +
        `${report(idle)}; while filling: ${report(during)}`,
    )
  })

  it('unmounts the home when the sandbox stops', async () => {
    // Mounted in the sandbox's own mount namespace (its outer bwrap's), not the host's.
    expect(mounted(join(data, 'sessions'), handle.pid)).toBe(true)
    expect(mounted(join(data, 'sessions'))).toBe(false)
    expect(loopsUnder(data)).toHaveLength(1)
    await backend.stop(handle, { purge: true })
    expect(mounted(join(data, 'sessions'))).toBe(false)
    // The loop device went with the sandbox's namespace.
    for (let i = 0; i < 100 && loopsUnder(data).length > 0; i += 1)
      await new Promise((r) => setTimeout(r, 20))
    expect(loopsUnder(data)).toEqual([])
  })
})
