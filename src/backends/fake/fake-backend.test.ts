import { createServer } from 'node:net'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { runBackendSuite } from '../../../test/conformance/backend.suite.js'
import { LabgateError } from '../../domain/errors.js'
import type { SandboxHandle, SandboxSpec } from '../backend.js'
import {
  CrashingFakeBackend,
  FakeBackend,
  FakeWorld,
  NeverReadyFakeBackend,
  SlowFakeBackend,
} from './index.js'

/** The suite's server: greets every connection with `hello <port>`. */
const serve = ({ world }: { world: FakeWorld }, handle: SandboxHandle, port: number) =>
  world.listen(
    handle.session as string,
    port,
    createServer((socket) => socket.end(`hello ${port}\n`)),
  )

runBackendSuite({
  name: 'fake',
  make: async () => {
    const world = new FakeWorld()
    return { backend: new FakeBackend({ world }), world, cleanup: async () => {} }
  },
  remake: async ({ world }) => new FakeBackend({ world }),
  serve,
})

runBackendSuite({
  name: 'fake (slow start and stop)',
  make: async () => {
    const world = new FakeWorld()
    const backend = new SlowFakeBackend({ world, startDelayMs: 5, stopDelayMs: 2 })
    return { backend, world, cleanup: async () => {} }
  },
  remake: async ({ world }) => new SlowFakeBackend({ world, startDelayMs: 5 }),
  serve,
})

const spec = (session = 'p-w01-s001'): SandboxSpec => ({ session, workshop: 'w', env: {} })

describe('FakeBackend', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('counts live sandboxes across the world', async () => {
    const backend = new FakeBackend()
    const a = await backend.start(spec('p-w01-s001'))
    await backend.start(spec('p-w01-s002'))
    expect(backend.liveCount).toBe(2)
    expect(backend.world.running).toBe(2)
    await backend.stop(a.handle)
    expect(backend.liveCount).toBe(1)
    expect(backend.world).toMatchObject({ starts: 2, stops: 1 })
  })

  it('kill makes a running sandbox vanish', async () => {
    const backend = new FakeBackend()
    const { handle } = await backend.start(spec())
    expect(backend.kill(handle)).toBe(true)
    expect(await backend.observe(handle)).toEqual({ state: 'gone', reason: 'killed' })
    expect(backend.kill(handle)).toBe(false)
    await backend.stop(handle)
    expect(backend.world.stops).toBe(0)
  })

  it('purge deletes the session files', async () => {
    const backend = new FakeBackend()
    const { handle } = await backend.start(spec())
    expect(backend.world.homes.has('p-w01-s001')).toBe(true)
    await backend.stop(handle)
    expect(backend.world.homes.has('p-w01-s001')).toBe(true)
    await backend.stop(handle, { purge: true })
    expect(backend.world.homes.has('p-w01-s001')).toBe(false)
  })

  it('records the external home, mounts and main command on the sandbox', async () => {
    const backend = new FakeBackend()
    const home = { dir: '/srv/ws/1', owner: { uid: 300123, gid: 300123 } }
    const mounts = [{ source: '/srv/data', target: '/data/x', readOnly: true }]
    await backend.start({ ...spec(), home, mounts, command: ['sleep', '1'] })
    await backend.start(spec('p-w01-s002'))
    const [withAll, plain] = [...backend.world.sandboxes.values()]
    expect(withAll).toMatchObject({ home, mounts, command: ['sleep', '1'], state: 'running' })
    expect(plain?.home).toBeUndefined()
    expect(plain?.mounts).toEqual([])
    expect(plain?.command).toBeUndefined()
  })

  it('does not observe handles of another backend name', async () => {
    const world = new FakeWorld()
    const { handle } = await new FakeBackend({ world }).start(spec())
    expect((await new FakeBackend({ world, name: 'other' }).observe(handle)).state).toBe('gone')
  })

  it('refuses to start once closed; running sandboxes survive close', async () => {
    const backend = new FakeBackend()
    const { handle } = await backend.start(spec())
    await backend.close()
    await expect(backend.start(spec('p-w01-s002'))).rejects.toMatchObject({ code: 'backend_failed' })
    expect(await backend.observe(handle)).toEqual({ state: 'running' })
  })
})

describe('SlowFakeBackend', () => {
  it('takes startDelayMs to start', async () => {
    vi.useFakeTimers()
    try {
      const backend = new SlowFakeBackend({ startDelayMs: 1000 })
      let done = false
      const started = backend.start(spec()).then(() => (done = true))
      await vi.advanceTimersByTimeAsync(999)
      expect(done).toBe(false)
      expect(backend.world.sandboxes.get('fake-1')?.state).toBe('starting')
      await vi.advanceTimersByTimeAsync(1)
      await started
      expect(done).toBe(true)
    } finally {
      vi.useRealTimers()
    }
  })
})

describe('NeverReadyFakeBackend', () => {
  it('never finishes starting; close rejects the start and leaves nothing live', async () => {
    const backend = new NeverReadyFakeBackend()
    const started = backend.start(spec())
    await new Promise((r) => setTimeout(r, 20))
    expect(backend.liveCount).toBe(1)
    await backend.close()
    await expect(started).rejects.toBeInstanceOf(LabgateError)
    expect(backend.liveCount).toBe(0)
  })

  it('rejects the start when the starting sandbox is killed', async () => {
    const backend = new NeverReadyFakeBackend()
    const started = backend.start(spec())
    backend.world.markGone('fake-1', 'killed')
    await expect(started).rejects.toMatchObject({ code: 'backend_failed' })
  })
})

describe('CrashingFakeBackend', () => {
  it('when: start rejects with backend_failed and leaves nothing running', async () => {
    const backend = new CrashingFakeBackend({ when: 'start' })
    const err = await backend.start(spec()).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LabgateError)
    expect(err).toMatchObject({ code: 'backend_failed' })
    expect(backend.liveCount).toBe(0)
  })

  it('when: running goes gone (crashed) after afterMs', async () => {
    vi.useFakeTimers()
    try {
      const backend = new CrashingFakeBackend({ when: 'running', afterMs: 50 })
      const { handle } = await backend.start(spec())
      expect(await backend.observe(handle)).toEqual({ state: 'running' })
      await vi.advanceTimersByTimeAsync(50)
      expect(await backend.observe(handle)).toEqual({ state: 'gone', reason: 'crashed' })
      await expect(backend.stop(handle)).resolves.toBeUndefined()
    } finally {
      vi.useRealTimers()
    }
  })
})
