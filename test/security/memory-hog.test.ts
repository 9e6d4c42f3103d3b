/**
 * Attack: a memory hog in one sandbox. Bounded here (it stops at 2.5 GiB, so that a machine without
 * limits survives the test too); the sandbox's memory limit (2 GiB by default) must get it OOM-killed
 * while labgate's API and another session keep answering.
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

// Allocates and touches 64 MiB at a time up to 2.5 GiB, printing its progress; prints "done" if it
// was never stopped.
const HOG = `python3 -c '
import sys
chunks = []
for i in range(40):
    chunks.append(bytearray(64 << 20))
    print((i + 1) * 64, flush=True)
print("done", flush=True)
'; echo "exit=$?"`

describe('a memory hog in one sandbox', () => {
  it('is OOM-killed at the memory limit while labgate and another session answer', async () => {
    const token = await h.token()
    const hog = runIn(backend, victim, HOG)
    // (Sampling goes on 2 s past the attack's end: its processes are still there.)
    const figures = await sampleWhile(Promise.all([hog, new Promise((r) => setTimeout(r, 2000))]), {
      healthz: get(`${h.url}/healthz`),
      catalog: get(`${h.url}/workshops/catalog/environments/`, { authorization: `Bearer ${token}` }),
      'other session echo': echoIn(backend, bystander),
    })
    const result = await hog
    const lines = result.stdout.trim().split('\n')
    const reached = Number(lines[lines.length - 2] ?? 0)
    console.log(`memory hog: reached ${reached} MiB, ${lines[lines.length - 1]};`, JSON.stringify(figures))
    expect(lines).not.toContain('done')
    expect(lines[lines.length - 1]).toBe('exit=137') // SIGKILL, from the cgroup's OOM killer
    expect(reached).toBeLessThanOrEqual(2048)
    for (const f of figures) {
      expect(f.failures).toBe(0)
      expect(f.max).toBeLessThan(5000)
    }
    expect((await runIn(backend, bystander, 'echo alive')).stdout).toBe('alive\n')
  }, 120_000)
})
