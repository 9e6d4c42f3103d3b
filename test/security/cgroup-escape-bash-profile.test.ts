/**
 * Attack: a learner writes `~/.bash_profile` so that every new terminal forks a background process
 * before the shell prints anything. That process, and everything else a session runs (exec'd commands,
 * the port forwarder), must sit in the session's cgroups, with limits, in every limited hierarchy.
 */
import { dirname } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalBackend, LocalHandle } from '../../src/backends/local/index.js'
import { runIn } from '../../src/backends/local/testing.js'
import { eventually, startHarness, type Harness } from '../harness.js'
import { LIMITED, cgroupDirOf, limitIn, pidsMentioning, pidsRunning } from './limits-probe.js'

let h: Harness
let backend: LocalBackend
let handle: LocalHandle

beforeAll(async () => {
  h = await startHarness({ workshops: [{ name: 'lab', capacity: 1, reserved: 1 }] })
  backend = h.lg.deps.backend as LocalBackend
  const reserve = await eventually('a waiting reserve', async () => {
    const [s] = await h.lg.deps.store.listSessions({ states: ['WAITING'] })
    return s?.handle ? s : null
  })
  handle = reserve.handle as unknown as LocalHandle
}, 30_000)
afterAll(async () => h?.close())

/** Asserts `pid` is in the session's cgroup, with a limit, in the hierarchy of every limited controller. */
function expectLimited(pid: number): void {
  for (const controller of LIMITED) {
    const dir = cgroupDirOf(pid, controller)
    expect({ controller, dir }).toEqual({
      controller,
      dir: expect.stringMatching(`/labgate-${handle.session}(@[0-9a-f]+)?$`),
    })
    expect(limitIn(dir, controller)).toBeLessThan(Infinity)
  }
}

describe('a learner-written ~/.bash_profile', () => {
  it("puts a terminal's background grandchild inside the session's cgroups", async () => {
    const tag = String(30_000 + Math.floor(Math.random() * 9999))
    const wrote = await runIn(backend, handle, `echo '(sleep ${tag} &)' >> ~/.bash_profile`)
    expect(wrote.code).toBe(0)
    const pty = backend.exec(handle, { env: {}, pty: { cols: 80, rows: 24 } })
    try {
      const [grandchild] = await eventually('the grandchild', async () => {
        const found = pidsRunning(['sleep', tag])
        return found.length > 0 ? found : null
      })
      expectLimited(grandchild as number)
    } finally {
      pty.kill('SIGKILL')
    }
  })

  it("puts an exec'd command's background child inside the session's cgroups", async () => {
    const tag = String(40_000 + Math.floor(Math.random() * 9999))
    await runIn(backend, handle, `(sleep ${tag} >/dev/null 2>&1 &)`)
    const [child] = await eventually('the background child', async () => {
      const found = pidsRunning(['sleep', tag])
      return found.length > 0 ? found : null
    })
    expectLimited(child as number)
  })

  it("runs the session's port forwarder inside the session's cgroups", async () => {
    const endpoint = await backend.connect(handle, 8080)
    expect('socketPath' in endpoint).toBe(true)
    const socket = (endpoint as { socketPath: string }).socketPath
    const [forwarder] = await eventually('the forwarder', async () => {
      const found = pidsMentioning('UNIX-LISTEN:8080.sock', dirname(socket))
      return found.length > 0 ? found : null
    })
    expectLimited(forwarder as number)
  })
})
