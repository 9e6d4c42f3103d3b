import { randomBytes } from 'node:crypto'
import { afterEach, describe, expect, it } from 'vitest'
import type { SandboxHandle, SandboxSpec, SessionBackend } from '../../src/backends/backend.js'

/** What `make` returns: a fresh backend, and how to clean up after it (temporary files, worlds). */
export interface BackendFixture {
  backend: SessionBackend
  cleanup: () => Promise<void>
}

export interface BackendSuiteOptions<F extends BackendFixture> {
  /** Shown in the suite's title. */
  name: string
  /** A fresh backend (and its surroundings) for one test. */
  make: () => Promise<F>
  /**
   * A new backend instance over the same surroundings as `fixture` (same world, same data directory), as
   * labgate gets after a restart. Without it, the re-attach tests are skipped.
   */
  remake?: (fixture: F) => Promise<SessionBackend>
  /** How many sandboxes the concurrency test starts at once (default 20). */
  concurrency?: number
  /** Skip the whole suite (e.g. the machine lacks what the backend needs); say why in `name`. */
  skip?: boolean
}

/**
 * The conformance suite every `SessionBackend` passes (Hono's `runTest({ newRouter })` pattern): start,
 * observe, stop, idempotence, made-up handles, re-attach after a restart, concurrent starts. Every sandbox
 * a test starts is stopped after it, even when it fails.
 */
export function runBackendSuite<F extends BackendFixture>(opts: BackendSuiteOptions<F>): void {
  describe.skipIf(opts.skip)(`SessionBackend conformance: ${opts.name}`, () => {
    let fixture: F | undefined
    const started: Array<{ backend: SessionBackend; handle: SandboxHandle }> = []
    const prefix = `conf${randomBytes(3).toString('hex')}-w01`
    let counter = 0
    const spec = (overrides: Partial<SandboxSpec> = {}): SandboxSpec => ({
      session: `${prefix}-s${String(++counter).padStart(3, '0')}`,
      workshop: 'conformance',
      env: { GREETING: 'hello' },
      ...overrides,
    })

    const setup = async () => {
      fixture = await opts.make()
      return fixture
    }
    const start = async (backend: SessionBackend, overrides?: Partial<SandboxSpec>) => {
      const info = await backend.start(spec(overrides))
      started.push({ backend, handle: info.handle })
      return info
    }

    afterEach(async () => {
      const leftovers = started.splice(0)
      await Promise.allSettled(leftovers.map(({ backend, handle }) => backend.stop(handle, { purge: true })))
      await fixture?.backend.close?.()
      await fixture?.cleanup()
      fixture = undefined
    })

    it('starts a sandbox that observes as running', async () => {
      const { backend } = await setup()
      const info = await start(backend)
      expect(info.handle.backend).toBe(backend.name)
      expect(Array.isArray(info.warnings)).toBe(true)
      expect(await backend.observe(info.handle)).toEqual({ state: 'running' })
    })

    it('returns a handle that survives a JSON round trip', async () => {
      const { backend } = await setup()
      const { handle } = await start(backend)
      const copy = JSON.parse(JSON.stringify(handle)) as SandboxHandle
      expect(copy).toEqual(handle)
      expect(await backend.observe(copy)).toEqual({ state: 'running' })
      await backend.stop(copy)
      expect((await backend.observe(handle)).state).toBe('gone')
    })

    it('stops a sandbox: it is gone afterwards', async () => {
      const { backend } = await setup()
      const { handle } = await start(backend)
      await backend.stop(handle)
      expect((await backend.observe(handle)).state).toBe('gone')
    })

    it('stop is idempotent, with and without purge', async () => {
      const { backend } = await setup()
      const { handle } = await start(backend)
      await backend.stop(handle)
      await expect(backend.stop(handle)).resolves.toBeUndefined()
      await expect(backend.stop(handle, { purge: true })).resolves.toBeUndefined()
      await expect(backend.stop(handle, { purge: true })).resolves.toBeUndefined()
      expect((await backend.observe(handle)).state).toBe('gone')
    })

    it('observes made-up and malformed handles as gone, and stopping them resolves', async () => {
      const { backend } = await setup()
      const madeUp: SandboxHandle[] = [
        { backend: backend.name },
        { backend: backend.name, id: 'no-such-sandbox', session: 'nope-w01-s001' },
        { backend: backend.name, pid: 'x', childPid: -1, startTime: null, session: '../..' },
        { backend: backend.name, pid: 2 ** 31, childPid: 2 ** 31, startTime: 1, pidStartTime: 1 },
        { backend: 'some-other-backend', id: 'x' },
      ]
      for (const handle of madeUp) {
        expect((await backend.observe(handle)).state).toBe('gone')
        await expect(backend.stop(handle)).resolves.toBeUndefined()
      }
    })

    it('keeps other sandboxes running when one is stopped', async () => {
      const { backend } = await setup()
      const a = await start(backend)
      const b = await start(backend)
      await backend.stop(a.handle, { purge: true })
      expect((await backend.observe(a.handle)).state).toBe('gone')
      expect(await backend.observe(b.handle)).toEqual({ state: 'running' })
    })

    it('accepts limits and the host network, reporting what it cannot apply as warnings', async () => {
      const { backend } = await setup()
      const info = await start(backend, {
        network: 'host',
        limits: { memoryBytes: 256 * 2 ** 20, pids: 100 },
      })
      expect(info.warnings.every((w) => typeof w === 'string')).toBe(true)
      expect(await backend.observe(info.handle)).toEqual({ state: 'running' })
    })

    it(`starts ${opts.concurrency ?? 20} sandboxes concurrently, all come up and all stop`, async () => {
      const { backend } = await setup()
      const n = opts.concurrency ?? 20
      const infos = await Promise.all(Array.from({ length: n }, () => start(backend)))
      const handles = infos.map((i) => i.handle)
      expect(new Set(handles.map((h) => JSON.stringify(h))).size).toBe(n)
      const states = await Promise.all(handles.map((h) => backend.observe(h)))
      expect(states.every((s) => s.state === 'running')).toBe(true)
      await Promise.all(handles.map((h) => backend.stop(h, { purge: true })))
      const after = await Promise.all(handles.map((h) => backend.observe(h)))
      expect(after.every((s) => s.state === 'gone')).toBe(true)
    })

    describe.skipIf(!opts.remake)('after a restart (a fresh backend instance)', () => {
      it('re-attaches: observes and stops sandboxes the previous instance started', async () => {
        const first = await setup()
        const { handle } = await start(first.backend)
        await first.backend.close?.()
        const second = await opts.remake!(first)
        const stored = JSON.parse(JSON.stringify(handle)) as SandboxHandle
        expect(await second.observe(stored)).toEqual({ state: 'running' })
        await second.stop(stored)
        expect((await second.observe(stored)).state).toBe('gone')
        expect((await first.backend.observe(stored)).state).toBe('gone')
        await second.close?.()
      })

      it('sees sandboxes that died while it was away as gone', async () => {
        const first = await setup()
        const { handle } = await start(first.backend)
        await first.backend.stop(handle)
        await first.backend.close?.()
        const second = await opts.remake!(first)
        expect((await second.observe(handle)).state).toBe('gone')
        await expect(second.stop(handle, { purge: true })).resolves.toBeUndefined()
        await second.close?.()
      })
    })
  })
}
