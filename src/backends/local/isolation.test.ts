import { readFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SandboxSpec } from '../backend.js'
import type { LocalHandle } from './handle.js'
import { LocalBackend, checkLocalBackendPrerequisites } from './index.js'
import { childPids, readProcStat } from './proc.js'
import { killSandboxesUnder, runIn } from './testing.js'

// Real bwrap, no mocks: what one session can and cannot reach.
const prerequisites = await checkLocalBackendPrerequisites()
const isRoot = process.getuid?.() === 0

/** Every process of a sandbox, seen from the host: pid 1 and all its descendants. */
async function sandboxProcesses(childPid: number): Promise<number[]> {
  const all = [childPid]
  for (let i = 0; i < all.length; i++) all.push(...(await childPids(all[i] as number)))
  return all
}

const hostUidLine = (pid: number) => /^Uid:\s+(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]

/**
 * The one child of `nsenterPid` once it runs `command`: nsenter forks it, then it drops to the sandbox's
 * uid and execs, so before the exec it may still be root for a moment.
 */
async function execedChild(nsenterPid: number, command: string): Promise<number> {
  let child = 0
  await expect
    .poll(async () => {
      const [pid] = await childPids(nsenterPid)
      child = pid ?? 0
      try {
        return pid ? readFileSync(`/proc/${pid}/comm`, 'utf8').trim() : ''
      } catch {
        return ''
      }
    })
    .toBe(command)
  return child
}

for (const devpts of isRoot ? [true, false] : [false]) {
  describe.skipIf(!prerequisites.ok)(`local sandbox isolation (devpts: ${devpts})`, () => {
    let dataDir: string
    let backend: LocalBackend
    let a: LocalHandle
    let b: LocalHandle
    const handles: LocalHandle[] = []
    const start = async (session: string, overrides: Partial<SandboxSpec> = {}) => {
      const info = await backend.start({ session, workshop: 'iso', env: {}, ...overrides })
      handles.push(info.handle as LocalHandle)
      return info.handle as LocalHandle
    }
    const sandboxUid = () => (isRoot ? 65534 : (process.getuid?.() as number))

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'labgate-iso-'))
      // World-readable on purpose: only the sandbox's mount namespace may keep it out of reach.
      writeFileSync(join(dataDir, 'labgate.db'), 'SECRET-DATABASE', { mode: 0o644 })
      backend = new LocalBackend({ dataDir, devpts, log: () => {} })
      a = await start('iso-w01-s001', { env: { LAB_PARAM: 'from-the-spec' } })
      b = await start('iso-w01-s002')
      const written = await runIn(backend, b, 'echo b-secret > secret.txt && echo b-tmp > /tmp/b-only')
      expect(written.code).toBe(0)
    })

    afterAll(async () => {
      await Promise.allSettled(handles.map((h) => backend.stop(h, { purge: true })))
      killSandboxesUnder(dataDir)
      rmSync(dataDir, { recursive: true, force: true })
    })

    it("cannot read B's home, the database file, nor list the data directory", async () => {
      const targets = [
        join(b.home, 'secret.txt'),
        join(dataDir, 'labgate.db'),
        `/proc/1/root${join(dataDir, 'labgate.db')}`,
        `/proc/1/cwd/../..${join(b.home, 'secret.txt')}`,
      ]
      const script =
        targets.map((t) => `cat '${t}' 2>/dev/null && echo LEAK`).join('; ') + `; ls '${dataDir}'; true`
      const r = await runIn(backend, a, script)
      expect(r.stdout).not.toMatch(/LEAK|SECRET|b-secret/)
      expect(r.stderr).toMatch(/No such file or directory/)
      expect((await runIn(backend, a, 'ls /home')).stdout).toBe('lab\n')
      expect((await runIn(backend, a, `grep -c '${b.session}' /proc/self/mountinfo`)).stdout).toBe('0\n')
    })

    it('can write its own home and /tmp; its /tmp is not B’s', async () => {
      const r = await runIn(backend, a, 'echo mine > home.txt && echo a-tmp > /tmp/a-only && cat /tmp/b-only')
      expect(r.stdout).toBe('')
      expect(r.stderr).toMatch(/No such file or directory/)
      expect((await runIn(backend, b, 'test -e /tmp/a-only || echo absent')).stdout).toBe('absent\n')
      expect(readFileSync(join(a.home, 'home.txt'), 'utf8')).toBe('mine\n')
    })

    it('leaves files it writes owned by the unprivileged uid on the host', async () => {
      await runIn(backend, a, 'mkdir -p made && echo x > made/file')
      expect(statSync(join(a.home, 'made', 'file')).uid).toBe(sandboxUid())
      expect(statSync(join(a.home, 'made')).uid).toBe(sandboxUid())
    })

    it('cannot write the read-only system directories', async () => {
      const r = await runIn(
        backend,
        a,
        'touch /usr/x 2>/dev/null || echo ro-usr; touch /etc/x 2>/dev/null || echo ro-etc',
      )
      expect(r.stdout).toBe('ro-usr\nro-etc\n')
    })

    it('runs as a non-root uid inside and on the host', async () => {
      const inside = await runIn(backend, a, 'id -u; id -g')
      expect(inside.stdout).toBe('1000\n1000\n')
      const probe = backend.spawn(a, ['sleep', '30'])
      try {
        // The exec'd command is nsenter's child: inside the sandbox's namespaces, outside its process tree.
        const sleeper = await execedChild(probe.pid as number, 'sleep')
        const pids = [...(await sandboxProcesses(a.childPid)), sleeper]
        // The sandbox's pid 1 (labgate-init, the holder) and the exec'd command at least.
        expect(pids.length).toBeGreaterThanOrEqual(2)
        for (const pid of pids) {
          const uids = hostUidLine(pid)?.split(/\s+/).map(Number)
          expect(uids).toEqual([sandboxUid(), sandboxUid(), sandboxUid(), sandboxUid()])
        }
      } finally {
        probe.kill('SIGKILL')
      }
    })

    it("cannot see B's processes", async () => {
      const marker = backend.spawn(b, ['sleep', '4242'])
      try {
        const markerHostPid = await execedChild(marker.pid as number, 'sleep')
        const r = await runIn(
          backend,
          a,
          `ps -eo args; ls /proc | grep -c '^[0-9]'; kill -0 ${markerHostPid} || echo no-such`,
        )
        expect(r.stdout).not.toContain('sleep 4242')
        expect(r.stdout).toContain('no-such')
        expect(r.stdout).toContain('/run/labgate/init --lock')
        const visible = Number(r.stdout.trim().split('\n').at(-2))
        expect(visible).toBeLessThan(10)
      } finally {
        marker.kill('SIGKILL')
      }
    })

    it('kills background processes when the sandbox stops', async () => {
      const c = await start(`iso-w01-s1${devpts ? 1 : 0}3`)
      const r = await runIn(backend, c, 'sleep 1000 >/dev/null 2>&1 & echo $!')
      expect(r.code).toBe(0)
      let orphan: number | undefined
      await expect
        .poll(async () => {
          for (const pid of await sandboxProcesses(c.childPid)) {
            if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') === 'sleep\u00001000\u0000') orphan = pid
          }
          return orphan
        })
        .toBeDefined()
      const startTime = (await readProcStat(orphan as number))?.startTime
      await backend.stop(c)
      const after = await readProcStat(orphan as number)
      expect(after === null || after.startTime !== startTime).toBe(true)
    })

    describe('network', () => {
      let server: Server
      let port: number
      let connections = 0
      beforeAll(async () => {
        server = createServer((socket) => {
          connections += 1
          socket.destroy()
        })
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
        port = (server.address() as { port: number }).port
      })
      afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

      const connect = (h: LocalHandle) =>
        runIn(
          backend,
          h,
          `bash -c 'echo hi > /dev/tcp/127.0.0.1/${port}' 2>/dev/null && echo CONNECTED || echo FAILED`,
        )

      it("with network 'none' cannot reach a TCP server on the host's loopback", async () => {
        expect((await connect(a)).stdout).toBe('FAILED\n')
        expect(connections).toBe(0)
        const devices = (await runIn(backend, a, 'tail -n +3 /proc/net/dev | cut -d: -f1')).stdout
        expect(devices.trim()).toBe('lo')
      })

      it("with network 'host' can (the probe itself works)", async () => {
        const d = await start(`iso-w01-s2${devpts ? 1 : 0}4`, { network: 'host' })
        expect((await connect(d)).stdout).toBe('CONNECTED\n')
        await expect.poll(() => connections).toBe(1)
      })
    })

    it('sees the environment from the spec, and nothing from labgate’s', async () => {
      process.env.LABGATE_HOST_ONLY = 'leak'
      const r = await runIn(backend, a, 'echo "$LAB_PARAM|$SESSION_NAME|$HOME|$USER|$LABGATE_HOST_ONLY"')
      delete process.env.LABGATE_HOST_ONLY
      expect(r.stdout).toBe(`from-the-spec|${a.session}|/home/lab|lab|\n`)
    })
  })
}
