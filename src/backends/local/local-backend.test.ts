import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { GREETER, runBackendSuite } from '../../../test/conformance/backend.suite.js'
import type { SandboxHandle, SandboxSpec } from '../backend.js'
import type { LocalHandle } from './handle.js'
import { LocalBackend, checkLocalBackendPrerequisites, type LocalBackendOptions } from './index.js'
import { releaseCharges } from './cgroup-files.js'
import { childPids, readProcStat } from './proc.js'
import { SANDBOX_INIT_PATH } from './sandbox-init.js'
import { killSandboxesUnder, runIn } from './testing.js'

const prerequisites = await checkLocalBackendPrerequisites()
const isRoot = process.getuid?.() === 0
const dataDirs: string[] = []
const logs: string[] = []

function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-local-'))
  dataDirs.push(dir)
  return dir
}
const backendFor = (dataDir: string, opts: Partial<LocalBackendOptions> = {}) =>
  new LocalBackend({ dataDir, log: (msg) => logs.push(msg), ...opts })

afterAll(() => {
  for (const dir of dataDirs) {
    killSandboxesUnder(dir)
    rmSync(dir, { recursive: true, force: true })
  }
})

for (const devpts of isRoot ? [true, false] : [false]) {
  runBackendSuite({
    name: `local (devpts: ${devpts})`,
    skip: !prerequisites.ok,
    make: async () => {
      const dataDir = newDataDir()
      return { backend: backendFor(dataDir, { devpts }), dataDir, cleanup: async () => {} }
    },
    remake: async ({ dataDir }) => backendFor(dataDir, { devpts }),
    serve: async ({ backend }, handle, port) => {
      backend.spawn(handle, ['python3', '-c', GREETER, String(port)], { stdio: 'ignore' }).unref()
    },
  })
}

let counter = 0
const spec = (overrides: Partial<SandboxSpec> = {}): SandboxSpec => ({
  session: `local-w01-s${String(++counter).padStart(3, '0')}`,
  workshop: 'w',
  env: {},
  ...overrides,
})

describe.skipIf(!prerequisites.ok)('LocalBackend', () => {
  const dataDir = newDataDir()
  const backend = backendFor(dataDir)
  const started: SandboxHandle[] = []
  const start = async (overrides?: Partial<SandboxSpec>) => {
    const info = await backend.start(spec(overrides))
    started.push(info.handle)
    return { ...info, handle: info.handle as LocalHandle }
  }
  afterAll(async () => {
    await Promise.allSettled(started.map((h) => backend.stop(h, { purge: true })))
  })

  it('persists pid, start times, home and uid; the home belongs to the sandbox uid', async () => {
    const { handle } = await start()
    expect(handle).toMatchObject({
      backend: 'local',
      session: handle.session,
      uid: isRoot ? 65534 : process.getuid?.(),
    })
    expect(handle.home).toBe(join(dataDir, 'sessions', handle.session, 'home'))
    expect((await readProcStat(handle.childPid))?.startTime).toBe(handle.startTime)
    expect((await readProcStat(handle.pid))?.startTime).toBe(handle.pidStartTime)
    const home = statSync(handle.home)
    expect(home.uid).toBe(handle.uid)
    expect(home.mode & 0o777).toBe(0o700)
    expect(statSync(join(dataDir, 'sessions')).mode & 0o777).toBe(0o711)
  })

  it('runs commands inside with spawn: uid 1000, home as cwd, sandbox env plus extra env, hostname', async () => {
    const { handle } = await start({ env: { GREETING: 'hi' } })
    const r = await runIn(
      backend,
      handle,
      'id -u; id -g; pwd; hostname; echo "$GREETING $EXTRA $SESSION_NAME"',
      {
        env: { EXTRA: 'more' },
      },
    )
    expect(r.stderr).toBe('')
    expect(r.stdout.split('\n')).toEqual([
      '1000',
      '1000',
      '/home/lab',
      handle.session,
      `hi more ${handle.session}`,
      '',
    ])
    const inTmp = await runIn(backend, handle, 'pwd', { cwd: '/tmp' })
    expect(inTmp.stdout).toBe('/tmp\n')
    const missing = await runIn(backend, handle, 'pwd', { cwd: '/nonexistent' })
    expect(missing.code).toBe(127)
  })

  it('spawn refuses a sandbox that is gone', async () => {
    const { handle } = await start()
    await backend.stop(handle)
    expect(() => backend.spawn(handle, ['true'])).toThrow(/not running/)
  })

  it('treats a reused pid as gone and never signals it', async () => {
    const own = await readProcStat(process.pid)
    const impostor: LocalHandle = {
      backend: 'local',
      session: 'impostor-w01-s001',
      pid: process.pid,
      pidStartTime: (own?.startTime ?? 0) + 1,
      childPid: process.pid,
      startTime: (own?.startTime ?? 0) + 1,
      home: '/nonexistent',
      uid: 65534,
    }
    expect(await backend.observe(impostor)).toEqual({ state: 'gone', reason: 'exited (pid reused)' })
    await backend.stop(impostor)
    expect((await readProcStat(process.pid))?.state).not.toBe('Z')
  })

  it('observes a sandbox whose pid 1 was killed behind its back as gone', async () => {
    const { handle } = await start()
    process.kill(handle.childPid, 'SIGKILL')
    await expect.poll(async () => (await backend.observe(handle)).state).toBe('gone')
    await backend.stop(handle)
  })

  it('stop leaves no process behind (the outer bwrap is reaped, no zombies)', async () => {
    const { handle } = await start()
    const inside = await runIn(backend, handle, 'sleep 300 </dev/null >/dev/null 2>&1 & echo started')
    expect(inside.stdout).toBe('started\n')
    const processes = [
      [handle.pid, handle.pidStartTime],
      [handle.childPid, handle.startTime],
      ...(await Promise.all(
        (await childPids(handle.childPid)).map(async (pid) => [pid, (await readProcStat(pid))?.startTime]),
      )),
    ]
    // The sandbox's pid 1 (labgate-init) and the orphaned sleep it adopted.
    expect(processes.length).toBe(3)
    await backend.stop(handle)
    for (const [pid, startTime] of processes) {
      const stat = await readProcStat(pid as number)
      expect(stat === null || stat.startTime !== startTime).toBe(true)
    }
  })

  it('is labgate-init as pid 1 (and bwrap, unless the launcher let it go), reaping the orphans it adopts', async () => {
    const { handle } = await start()
    expect(readFileSync(`/proc/${handle.childPid}/cmdline`, 'utf8').split('\0')[0]).toBe(SANDBOX_INIT_PATH)
    // The native spawner lets bwrap's process go once the sandbox runs: the pid to watch is then the pid 1.
    if (handle.pid !== handle.childPid) expect(await childPids(handle.pid)).toEqual([handle.childPid])
    else {
      // Its bwrap was killed as the start returned: the pid 1 is the spawner's once bwrap is gone.
      const parent = async () =>
        readFileSync(`/proc/${(await readProcStat(handle.pid))?.ppid}/comm`, 'utf8').trim()
      await expect.poll(parent).toBe('labgate-spawner')
    }
    expect(await childPids(handle.childPid)).toEqual([])
    // Twenty short-lived orphans: each one ends up a child of pid 1, which must reap it.
    await runIn(backend, handle, 'for i in $(seq 20); do (sleep 0.1 &); done')
    await new Promise((r) => setTimeout(r, 600))
    const left = await childPids(handle.childPid)
    const zombies = await Promise.all(left.map(async (pid) => (await readProcStat(pid))?.state))
    expect(zombies.filter((state) => state === 'Z')).toEqual([])
    expect(left).toEqual([])
    expect((await backend.observe(handle)).state).toBe('running')
  })

  it("is gone whole after the tests' safety net, its pid 1 included", async () => {
    const dir = newDataDir()
    const other = backendFor(dir)
    const { handle } = await other.start(spec())
    const h = handle as LocalHandle
    expect(killSandboxesUnder(dir)).toBeGreaterThanOrEqual(h.pid === h.childPid ? 1 : 2)
    await expect.poll(async () => (await readProcStat(h.childPid))?.state ?? 'gone').toMatch(/^(gone|Z)$/)
    await other.close()
  })

  it('sweeps the cgroups of a sandbox that ended without a stop', async () => {
    const dir = newDataDir()
    const other = backendFor(dir)
    const { handle } = await other.start(spec({ limits: { memoryBytes: 1 << 28, pids: 100 } }))
    const h = handle as LocalHandle
    const dirs = h.cgroups ?? []
    // This machine's cgroups (CI's too) apply the limits: real cgroup directories to sweep.
    expect(dirs.length).toBeGreaterThan(0)
    killSandboxesUnder(dir)
    await expect.poll(async () => (await readProcStat(h.childPid))?.state ?? 'gone').toMatch(/^(gone|Z)$/)
    expect(dirs.every((d) => existsSync(d))).toBe(true)
    // (Again while the kernel still counts the killed processes in them.)
    const sweptAway = async () => {
      await other.sweep([], [])
      return dirs.filter((d) => existsSync(d))
    }
    await expect.poll(sweptAway, { timeout: 5_000 }).toEqual([])
    await other.close()
  })

  it('releases the memory charged to a memory cgroup its sandbox left, so the cgroup does not linger', async () => {
    const dir = newDataDir()
    const other = backendFor(dir)
    const { handle } = await other.start(spec({ limits: { memoryBytes: 1 << 28 } }))
    const h = handle as LocalHandle
    // Page cache the sandbox wrote stays charged to its cgroup after its processes are gone.
    await runIn(other, handle, 'dd if=/dev/urandom of=filler bs=1M count=16 2>/dev/null; sync')
    killSandboxesUnder(dir)
    await expect.poll(async () => (await readProcStat(h.childPid))?.state ?? 'gone').toMatch(/^(gone|Z)$/)
    const memory = (h.cgroups ?? []).find(
      (d) => existsSync(join(d, 'memory.force_empty')) || existsSync(join(d, 'memory.reclaim')),
    )
    expect(memory).toBeDefined()
    const usage = () => {
      const file = existsSync(join(memory!, 'memory.current')) ? 'memory.current' : 'memory.usage_in_bytes'
      return Number(readFileSync(join(memory!, file), 'utf8'))
    }
    await expect.poll(() => readFileSync(join(memory!, 'cgroup.procs'), 'utf8')).toBe('')
    expect(usage()).toBeGreaterThan(8 << 20)
    await releaseCharges(memory!)
    expect(usage()).toBeLessThan(1 << 20)
    await other.sweep([], [])
    expect(existsSync(memory!)).toBe(false)
    await other.close()
  })

  it('ends with its main command, which labgate-init runs as its child', async () => {
    const { handle } = await start({ command: ['/bin/sh', '-c', 'sleep 0.3; exit 3'] })
    expect(await childPids(handle.childPid)).toHaveLength(1)
    await expect.poll(async () => (await backend.observe(handle)).state, { timeout: 5_000 }).toBe('gone')
  })

  it('keeps the home on stop and deletes the session directory on purge', async () => {
    const { handle } = await start()
    await runIn(backend, handle, 'echo kept > notes.txt')
    await backend.stop(handle)
    expect(readFileSync(join(handle.home, 'notes.txt'), 'utf8')).toBe('kept\n')
    const again = await backend.start({ ...spec(), session: handle.session })
    started.push(again.handle)
    expect((await runIn(backend, again.handle, 'cat notes.txt')).stdout).toBe('kept\n')
    await runIn(backend, again.handle, 'mkdir -p locked/inner && touch locked/inner/f && chmod 500 locked')
    await backend.stop(again.handle, { purge: true })
    expect(existsSync(join(dataDir, 'sessions', handle.session))).toBe(false)
  })

  it('reports limits it cannot apply as warnings (the caller logs them)', async () => {
    const parent = join(newDataDir(), 'cgroup')
    mkdirSync(parent)
    writeFileSync(join(parent, 'cgroup.controllers'), 'io\n')
    const without = backendFor(newDataDir(), { cgroupParent: parent })
    const info = await without.start(spec({ limits: { memoryBytes: 64 * 2 ** 20, pids: 64 } }))
    started.push(info.handle)
    expect(info.handle.cgroups).toBeUndefined()
    expect(info.warnings).toHaveLength(2)
    expect(info.warnings[0]).toMatch(/^memory limit 67108864 not applied: /)
    expect(info.warnings[1]).toMatch(/^pids limit 64 not applied: /)
  })

  it('applies limits through a cgroup v2 parent when one is available', async () => {
    const parent = join(newDataDir(), 'cgroup')
    mkdirSync(parent)
    const controllers = join(parent, 'cgroup.controllers')
    writeFileSync(controllers, 'cpu memory pids\n')
    writeFileSync(join(parent, 'cgroup.subtree_control'), 'memory pids\n')
    const dir = newDataDir()
    const withCgroups = backendFor(dir, { cgroupParent: parent })
    const wanted = spec({ limits: { memoryBytes: 1 << 26, pids: 50 } })
    // Named for the session and (a hash of) the data directory, which tells labgates on one machine apart.
    const instance = createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 8)
    const cg = join(parent, `labgate-${wanted.session}@${instance}`)
    // The kernel gives a new cgroup its files; on this fake tree the one processes join must be there.
    mkdirSync(cg)
    writeFileSync(join(cg, 'cgroup.procs'), '')
    const info = await withCgroups.start(wanted)
    started.push(info.handle)
    expect(info.warnings).toEqual([])
    expect(info.handle.cgroups).toEqual([cg])
    expect(readFileSync(join(cg, 'memory.max'), 'utf8')).toBe(String(1 << 26))
    expect(readFileSync(join(cg, 'pids.max'), 'utf8')).toBe('50')
    expect(Number(readFileSync(join(cg, 'cgroup.procs'), 'utf8'))).toBeGreaterThan(1)
    await withCgroups.stop(info.handle)
  })

  it('gives a sandbox with devpts its own /dev/pts, and one without none', async () => {
    const { handle } = await start()
    expect((await runIn(backend, handle, 'test -e /dev/pts/ptmx && echo yes')).stdout).toBe(
      isRoot ? 'yes\n' : '',
    )
    const flat = backendFor(dataDir, { devpts: false })
    const other = await flat.start(spec())
    started.push(other.handle)
    expect((await runIn(flat, other.handle, 'test -e /dev/pts/ptmx || echo none')).stdout).toBe('none\n')
  })

  it('rejects bad session names and environment names with backend_failed, creating nothing', async () => {
    await expect(backend.start(spec({ session: '../escape' }))).rejects.toMatchObject({
      code: 'backend_failed',
    })
    await expect(backend.start(spec({ env: { 'A=B': 'x' } }))).rejects.toMatchObject({
      code: 'backend_failed',
    })
    expect(existsSync(join(dataDir, 'escape'))).toBe(false)
  })

  it('rejects with bwrap’s error and removes the session directory when bwrap fails', async () => {
    const failing = backendFor(dataDir, { bwrapPath: '/bin/false' })
    const s = spec()
    await expect(failing.start(s)).rejects.toMatchObject({ code: 'backend_failed' })
    expect(existsSync(join(dataDir, 'sessions', s.session))).toBe(false)
  })

  it('refuses to start once closed', async () => {
    const closing = backendFor(dataDir)
    await closing.close()
    await expect(closing.start(spec())).rejects.toMatchObject({ code: 'backend_failed' })
  })

  it('keeps sandboxes running after the process that started them exits', async () => {
    const script = `
      import { LocalBackend } from ${JSON.stringify(new URL('./local-backend.ts', import.meta.url).pathname)}
      const backend = new LocalBackend({ dataDir: ${JSON.stringify(dataDir)}, log: () => {} })
      const info = await backend.start({ session: 'restart-w01-s001', workshop: 'w', env: {} })
      console.log(JSON.stringify(info.handle))
    `
    const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: new URL('../../..', import.meta.url).pathname,
      encoding: 'utf8',
      timeout: 20_000,
    })
    expect(out.status).toBe(0)
    const handle = JSON.parse(out.stdout.trim().split('\n').pop() as string) as LocalHandle
    started.push(handle)
    expect(await backend.observe(handle)).toEqual({ state: 'running' })
    expect((await runIn(backend, handle, 'echo alive')).stdout).toBe('alive\n')
    await backend.stop(handle, { purge: true })
    expect((await backend.observe(handle)).state).toBe('gone')
  })
})

describe('local backend prerequisites', () => {
  it('are met on this machine', () => {
    expect(prerequisites).toEqual({ ok: true })
  })

  it('name the package to install when bwrap is missing', async () => {
    const result = await checkLocalBackendPrerequisites({ bwrapPath: '/nonexistent/bwrap' })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.message).toMatch(/apt-get install bubblewrap/)
    expect(() => new LocalBackend({ dataDir: newDataDir(), bwrapPath: '/nonexistent/bwrap' })).toThrow(
      /apt-get install bubblewrap/,
    )
  })

  it('explain a bwrap that cannot build a sandbox', async () => {
    const result = await checkLocalBackendPrerequisites({ bwrapPath: '/bin/false' })
    expect(result.ok).toBe(false)
    expect(!result.ok && result.message).toMatch(/cannot create a sandbox/)
  })
})
