import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { SandboxSpec } from '../backend.js'
import type { LocalHandle } from './handle.js'
import { LocalBackend, checkLocalBackendPrerequisites } from './index.js'
import { findSandboxes, lockFile, parseProcLocks, strayHandles } from './sandbox-lock.js'
import { killSandboxesUnder, runIn } from './testing.js'

const prerequisites = await checkLocalBackendPrerequisites()
const dataDirs: string[] = []
const backends: LocalBackend[] = []

function backendIn(dataDir: string): LocalBackend {
  const b = new LocalBackend({ dataDir, log: () => undefined })
  backends.push(b)
  return b
}
function newDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'labgate-lock-'))
  dataDirs.push(dir)
  return dir
}
const spec = (session: string): SandboxSpec => ({ session, workshop: 'w', env: {} })

afterAll(async () => {
  for (const b of backends) await b.close()
  for (const dir of dataDirs) {
    killSandboxesUnder(dir)
    rmSync(dir, { recursive: true, force: true })
  }
})

describe('parseProcLocks', () => {
  it('reads holders and inodes, and skips waiters and junk', () => {
    const text = [
      '1: POSIX  ADVISORY  READ 11983 fe:00:2146802 0 EOF',
      '2: FLOCK  ADVISORY  WRITE 42 00:1a:77 0 EOF',
      '2: -> FLOCK  ADVISORY  WRITE 43 00:1a:77 0 EOF',
      'garbage',
      '',
    ].join('\n')
    expect(parseProcLocks(text)).toEqual([
      { pid: 11983, major: 0xfe, minor: 0, inode: 2146802n },
      { pid: 42, major: 0, minor: 0x1a, inode: 77n },
    ])
  })
})

describe('strayHandles', () => {
  const a = { session: 'a', pid: 10, pidStartTime: 1, childPid: 11, startTime: 2 }
  const b = { session: 'b', pid: 20, pidStartTime: 1, childPid: 21, startTime: 2 }
  const found = [a, b]
  it('keeps what a stored handle names (same pid 1, same start time) and makes handles of the rest', () => {
    const known = { ...a, backend: 'local', home: '/x', uid: 65534 }
    const reused = { ...known, session: 'b', childPid: 21, startTime: 99 }
    const strays = strayHandles(found, [known, reused, { backend: 'fake' }], { dataDir: '/d', uid: 7 })
    expect(strays).toEqual([
      { backend: 'local', ...b, home: '/d/sessions/b/home', uid: 7 },
    ] satisfies LocalHandle[])
  })
})

describe.skipIf(!prerequisites.ok)('a sandbox found from its lock', () => {
  it('a start whose earlier sandbox still runs unrecorded stops that one first: never two', async () => {
    const dataDir = newDataDir()
    const before = (await backendIn(dataDir).start(spec('s1'))).handle as LocalHandle
    // A new instance, as after a crash that lost `before`'s handle.
    const after = backendIn(dataDir)
    const h = (await after.start(spec('s1'))).handle as LocalHandle
    expect((await after.observe(before)).state).toBe('gone')
    expect((await after.observe(h)).state).toBe('running')
    expect((await findSandboxes(dataDir)).map((f) => f.childPid)).toEqual([h.childPid])
    await after.stop(h, { purge: true })
    expect(await findSandboxes(dataDir)).toEqual([])
  })

  it("sweep stops every sandbox no handle names and removes ended sessions' files; a lock taken in a sandbox is no sandbox", async () => {
    const dataDir = newDataDir()
    const b = backendIn(dataDir)
    const [h1, h2, h3] = (await Promise.all(['s1', 's2', 's3'].map((s) => b.start(spec(s))))).map(
      (i) => i.handle as LocalHandle,
    )
    // A process in s1's sandbox locks the lock file too: still one sandbox of s1.
    const locker = runIn(
      b,
      h1!,
      'exec python3 -c "import fcntl,time; f=open(\'/run/labgate/sandbox.lock\'); fcntl.lockf(f, fcntl.LOCK_SH); print(1, flush=True); time.sleep(60)"',
    )
    const ino = statSync(lockFile(dataDir, 's1')).ino
    const holders = () =>
      parseProcLocks(readFileSync('/proc/locks', 'utf8')).filter((l) => l.inode === BigInt(ino)).length
    for (let i = 0; i < 100 && holders() < 2; i++) await new Promise((r) => setTimeout(r, 50))
    expect(holders()).toBe(2)
    const found = await findSandboxes(dataDir)
    expect(found.map((f) => [f.session, f.childPid]).sort()).toEqual(
      [
        ['s1', h1!.childPid],
        ['s2', h2!.childPid],
        ['s3', h3!.childPid],
      ].sort(),
    )
    expect(await b.sweep([h1!, { backend: 'fake' }], ['s1', 's2', 's3'])).toBe(2)
    expect((await b.observe(h1!)).state).toBe('running')
    expect((await b.observe(h2!)).state).toBe('gone')
    expect((await b.observe(h3!)).state).toBe('gone')
    const dirs = () =>
      readdirSync(join(dataDir, 'sessions'))
        .filter((n) => !n.startsWith('.'))
        .sort()
    expect(dirs()).toEqual(['s1', 's2', 's3'])
    // Files of sessions no longer visible go; a visible one's stay.
    expect(await b.sweep([h1!], ['s1'])).toBe(0)
    expect(dirs()).toEqual(['s1'])
    await b.stop(h1!, { purge: true })
    await locker
  })
})
