/**
 * Attack: a fork bomb in one sandbox. Bounded here (at most 1,500 sleeping children, so that a machine
 * without limits survives the test too); the sandbox's pids limit (1024 by default) must stop it with
 * EAGAIN while labgate's API and another session keep answering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LocalBackend, LocalHandle } from '../../src/backends/local/index.js'
import { runIn } from '../../src/backends/local/testing.js'
import { eventually, startHarness, type Harness } from '../harness.js'
import { echoIn, get, sampleWhile } from './limits-probe.js'

let h: Harness
let backend: LocalBackend
let victim: LocalHandle
let bystander: LocalHandle

beforeAll(async () => {
  h = await startHarness({ workshops: [{ name: 'lab', capacity: 2, reserved: 2 }] })
  backend = h.lg.deps.backend as LocalBackend
  const [a, b] = await eventually('two waiting reserves', async () => {
    const s = await h.lg.deps.store.listSessions({ states: ['WAITING'] })
    return s.length === 2 && s.every((x) => x.handle) ? s : null
  })
  victim = a!.handle as unknown as LocalHandle
  bystander = b!.handle as unknown as LocalHandle
}, 30_000)
afterAll(async () => h?.close())

// Forks as fast as it can, each child exec'ing a sleep; prints how many forks succeeded and the errno
// of the first that failed.
const BOMB = `python3 -c '
import os
ok, err = 0, 0
for i in range(1500):
    try:
        pid = os.fork()
    except OSError as e:
        err = e.errno
        break
    if pid == 0:
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.execv("/bin/sleep", ["sleep", "120"])
    ok += 1
print(ok, err)
'`

describe('a fork bomb in one sandbox', () => {
  it('fails with EAGAIN at the pids limit while labgate and another session answer', async () => {
    const token = await h.token()
    const bomb = runIn(backend, victim, BOMB)
    // (Sampling goes on 2 s past the attack's end: its processes are still there.)
    const figures = await sampleWhile(Promise.all([bomb, new Promise((r) => setTimeout(r, 2000))]), {
      healthz: get(`${h.url}/healthz`),
      catalog: get(`${h.url}/workshops/catalog/environments/`, { authorization: `Bearer ${token}` }),
      'other session echo': echoIn(backend, bystander),
    })
    const result = await bomb
    const [ok, errno] = result.stdout.trim().split(' ').map(Number)
    console.log(`fork bomb: ${ok} forks, then errno ${errno};`, JSON.stringify(figures))
    expect(errno).toBe(11) // EAGAIN: the pids cgroup refused the fork
    expect(ok).toBeLessThan(1024)
    for (const f of figures) {
      expect(f.failures).toBe(0)
      expect(f.max).toBeLessThan(5000)
    }
    // After the bomb, the same sandbox's neighbour still starts processes at once.
    const after = performance.now()
    expect((await runIn(backend, bystander, 'echo alive')).stdout).toBe('alive\n')
    expect(performance.now() - after).toBeLessThan(5000)
  }, 60_000)
})
