import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { LocalHandle } from './handle.js'
import { LocalBackend } from './index.js'
import { HelperLauncher } from './launcher/helper-launcher.js'
import type { ProcessLauncher } from './launcher/launcher.js'
import { killSandboxesUnder, runIn } from './testing.js'

const SIZE = 32 * 1024 * 1024

/** The host's mounts on a path under `dir`. */
const mountedUnder = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((line) => line.split(' ')[4]?.startsWith(dir + '/'))

/** The filesystem type of the home (`/home/lab`) in the mount namespace of the sandbox's pid 1, if mounted. */
const homeFsType = (childPid: number) =>
  readFileSync(`/proc/${childPid}/mountinfo`, 'utf8')
    .split('\n')
    .find((line) => line.split(' ')[4] === '/home/lab')
    ?.split(' - ')[1]
    ?.split(' ')[0]

/** Loop devices backed by a file under `dir`, with their autoclear flag (`losetup --list`). */
const loopsUnder = (dir: string) =>
  execFileSync('/usr/sbin/losetup', ['--list', '--noheadings', '--output', 'AUTOCLEAR,BACK-FILE'], {
    encoding: 'utf8',
  })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, file]) => file?.startsWith(dir + '/'))
    .map(([autoclear]) => autoclear)

const settle = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i += 1) await new Promise((r) => setTimeout(r, 20))
}

/**
 * The same behaviour wherever the home is mounted: in the sandbox's own mount namespace (launchers that
 * can, the default), or on the host (the Node helper).
 */
function homeImageSuite(name: string, launcher: () => ProcessLauncher | undefined, inSandbox: boolean): void {
  describe(`home images, ${name}`, () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'labgate-homes-'))
    const backends: LocalBackend[] = []
    const make = () => {
      const l = launcher()
      const b = new LocalBackend({
        dataDir,
        homeSize: SIZE,
        homeSpares: 1,
        log: () => {},
        ...(l ? { launcher: l } : {}),
      })
      backends.push(b)
      return b
    }
    afterAll(async () => {
      for (const b of backends) await b.close()
      killSandboxesUnder(dataDir)
      rmSync(dataDir, { recursive: true, force: true })
    })
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
      // In the sandbox's namespace only, or on the host.
      expect(homeFsType(handle.childPid)).toBe('ext4')
      expect(mountedUnder(dataDir)).toHaveLength(inSandbox ? 0 : 1)
      // One loop device, marked to go with the unmount.
      await settle(() => loopsUnder(dataDir).join() === '1')
      expect(loopsUnder(dataDir)).toEqual(['1'])
      expect(await runIn(backend, handle, 'echo kept > $HOME/file').then((r) => r.code)).toBe(0)
    })

    it('keep a spare formatted ahead, so the next start does not wait for mkfs', async () => {
      const spares = join(dataDir, 'sessions', '.spare')
      await settle(() => existsSync(spares) && readdirSync(spares).some((n) => n.endsWith('.img')))
      expect(readdirSync(spares).filter((n) => n.endsWith('.img'))).toHaveLength(1)
    })

    it('stay mounted across a labgate restart, and go with the session', async () => {
      await backends[0]!.close()
      const backend = make()
      expect(homeFsType(handle.childPid)).toBe('ext4')
      expect((await runIn(backend, handle, 'cat $HOME/file')).stdout).toBe('kept\n')
      await backend.stop(handle, { purge: true })
      expect(mountedUnder(dataDir)).toHaveLength(0)
      await settle(() => loopsUnder(dataDir).length === 0)
      expect(loopsUnder(dataDir)).toEqual([])
      expect(existsSync(join(dataDir, 'sessions', handle.session))).toBe(false)
    })

    it('keep what the learner wrote when the session starts again', async () => {
      const backend = make()
      const start = async () =>
        (await backend.start({ session: 'homes-w01-s002', workshop: 'w', env: {} })).handle as LocalHandle
      const first = await start()
      await runIn(backend, first, 'echo again > $HOME/kept')
      await backend.stop(first, {})
      const second = await start()
      expect((await runIn(backend, second, 'cat $HOME/kept')).stdout).toBe('again\n')
      await backend.stop(second, { purge: true })
    })
  })
}

homeImageSuite('mounted in the sandbox (native spawner)', () => undefined, true)
homeImageSuite('mounted on the host (Node helper)', () => new HelperLauncher({ helper: 'node' }), false)
