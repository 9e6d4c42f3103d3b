import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { LocalHandle } from './handle.js'
import { LocalBackend } from './index.js'
import { killSandboxesUnder, runIn } from './testing.js'

const SIZE = 32 * 1024 * 1024
const dataDir = mkdtempSync(join(tmpdir(), 'labgate-homes-'))
const mountedUnder = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.split(' ')[4]?.startsWith(dir + '/'))
/** Loop devices backed by a file under `dir`, with their autoclear flag (`losetup --list`). */
const loopsUnder = (dir: string) =>
  execFileSync('/usr/sbin/losetup', ['--list', '--noheadings', '--output', 'AUTOCLEAR,BACK-FILE'], {
    encoding: 'utf8',
  })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, file]) => file?.startsWith(dir + '/'))
    .map(([autoclear]) => autoclear)
const backends: LocalBackend[] = []
const make = () => {
  const b = new LocalBackend({ dataDir, homeSize: SIZE, homeSpares: 1, log: () => {} })
  backends.push(b)
  return b
}

afterAll(async () => {
  for (const b of backends) await b.close()
  killSandboxesUnder(dataDir)
  rmSync(dataDir, { recursive: true, force: true })
})

describe('home images', () => {
  let handle: LocalHandle

  it('mount a home of the configured size, owned by the sandbox uid, with nothing else in it', async () => {
    const backend = make()
    handle = (await backend.start({ session: 'homes-w01-s001', workshop: 'w', env: {} }))
      .handle as LocalHandle
    const probe = await runIn(backend, handle, 'df -B1 --output=size $HOME | tail -1; ls -A $HOME; id -u')
    const [size, ...rest] = probe.stdout.trim().split('\n')
    expect(Number(size)).toBeLessThanOrEqual(SIZE)
    expect(Number(size)).toBeGreaterThan(SIZE / 2)
    expect(rest).toEqual(['1000'])
    expect(mountedUnder(dataDir)).toHaveLength(1)
    // One loop device, marked to go with the unmount.
    expect(loopsUnder(dataDir)).toEqual(['1'])
    expect(await runIn(backend, handle, 'echo kept > $HOME/file').then((r) => r.code)).toBe(0)
  })

  it('keep a spare formatted ahead, so the next start does not wait for mkfs', async () => {
    const spares = join(dataDir, 'sessions', '.spare')
    for (let i = 0; i < 100 && !readdirSync(spares).some((n) => n.endsWith('.img')); i += 1) {
      await new Promise((r) => setTimeout(r, 50))
    }
    expect(readdirSync(spares).filter((n) => n.endsWith('.img'))).toHaveLength(1)
  })

  it('stay mounted across a labgate restart, and go with the session', async () => {
    await backends[0]!.close()
    const backend = make()
    expect(mountedUnder(dataDir)).toHaveLength(1)
    expect((await runIn(backend, handle, 'cat $HOME/file')).stdout).toBe('kept\n')
    await backend.stop(handle, { purge: true })
    expect(mountedUnder(dataDir)).toHaveLength(0)
    expect(loopsUnder(dataDir)).toEqual([])
    expect(existsSync(join(dataDir, 'sessions', handle.session))).toBe(false)
  })
})
