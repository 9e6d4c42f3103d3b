import { createServer, connect as dial, type Server } from 'node:net'
import { describe, expect, it } from 'vitest'
import { runBackendSuite } from '../../test/conformance/backend.suite.js'
import { LabgateError } from '../domain/errors.js'
import type { SandboxEndpoint, SandboxHandle, SandboxSpec, SessionBackend } from './backend.js'
import { FakeBackend, FakePty, FakeWorld } from './fake/index.js'
import { withPlacements } from './with-placements.js'

/** A fake backend with a sweep that records what it was given and stops `stopped` sandboxes. */
class SweepingFake extends FakeBackend {
  readonly swept: Array<{ known: SandboxHandle[]; sessions: string[] }> = []
  stopped = 0

  async sweep(known: SandboxHandle[], sessions: string[]): Promise<number> {
    this.swept.push({ known, sessions })
    return this.stopped
  }
}

/** The portal's (fake) backend and a fake that answers as `slurm`, each on a machine of its own. */
function pair() {
  const primary = new SweepingFake({ world: new FakeWorld() })
  const slurm = new SweepingFake({ world: new FakeWorld(), name: 'slurm' })
  return { primary, slurm, backend: withPlacements(primary, slurm) }
}

let counter = 0
const spec = (over: Partial<SandboxSpec> = {}): SandboxSpec => ({
  session: `p-w01-s${String(++counter).padStart(3, '0')}`,
  workshop: 'lab',
  env: {},
  ...over,
})
const ON_SLURM = { placement: { backend: 'slurm' as const, partition: 'debug' } }

/** Greets every connection with `name`, then closes it. */
const greeter = (name: string): Server => createServer((socket) => socket.end(`hello from ${name}\n`))

/** What a server at `endpoint` says before it closes the connection. */
function greeting(endpoint: SandboxEndpoint): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = dial(endpoint as { host: string; port: number })
    let text = ''
    socket.setEncoding('utf8')
    socket.on('data', (d: string) => (text += d))
    socket.on('end', () => resolve(text))
    socket.on('error', reject)
  })
}

// Sessions that run on the portal's backend keep its whole contract behind the wrapper...
runBackendSuite({
  name: 'fake, with a slurm backend beside it',
  make: async () => {
    const world = new FakeWorld()
    const slurm = new FakeBackend({ name: 'slurm' })
    return { backend: withPlacements(new FakeBackend({ world }), slurm), world, cleanup: async () => {} }
  },
  remake: async ({ world }) => withPlacements(new FakeBackend({ world }), new FakeBackend({ name: 'slurm' })),
  serve: ({ world }, handle, port) =>
    world.listen(
      handle.session as string,
      port,
      createServer((socket) => socket.end(`hello ${port}\n`)),
    ),
})

/** `backend` with every spec placed on Slurm (answering as `slurm`, the suite's made-up handles too). */
const placed = (backend: SessionBackend): SessionBackend => ({
  ...backend,
  name: 'slurm',
  start: (s) => backend.start({ ...s, ...ON_SLURM }),
})

// ...and so do sessions placed on Slurm, every call after the start going by the handle.
runBackendSuite({
  name: 'fake, placed on the slurm backend beside it',
  make: async () => {
    const world = new FakeWorld()
    const backend = withPlacements(new FakeBackend(), new FakeBackend({ world, name: 'slurm' }))
    return { backend: placed(backend), world, cleanup: async () => {} }
  },
  remake: async ({ world }) =>
    placed(withPlacements(new FakeBackend(), new FakeBackend({ world, name: 'slurm' }))),
  serve: ({ world }, handle, port) =>
    world.listen(
      handle.session as string,
      port,
      createServer((socket) => socket.end(`hello ${port}\n`)),
    ),
})

describe('withPlacements', () => {
  it('is the primary itself without a slurm backend (or with the primary as it)', () => {
    const primary = new FakeBackend()
    expect(withPlacements(primary, null)).toBe(primary)
    expect(withPlacements(primary, primary)).toBe(primary)
  })

  it("keeps the primary's name", () => {
    const { backend } = pair()
    expect(backend.name).toBe('fake')
    const local = withPlacements(new FakeBackend({ name: 'local' }), new FakeBackend({ name: 'slurm' }))
    expect(local.name).toBe('local')
  })

  it('starts a spec placed on Slurm there, and any other on the primary', async () => {
    const { primary, slurm, backend } = pair()
    const a = await backend.start(spec(ON_SLURM))
    const b = await backend.start(spec())
    const c = await backend.start(spec({ placement: undefined }))
    expect(a.handle.backend).toBe('slurm')
    expect([b.handle.backend, c.handle.backend]).toEqual(['fake', 'fake'])
    expect(slurm.world.running).toBe(1)
    expect(primary.world.running).toBe(2)
    expect([...slurm.world.sandboxes.values()][0]?.spec.placement).toEqual(ON_SLURM.placement)
  })

  it('observes and stops by the handle', async () => {
    const { primary, slurm, backend } = pair()
    const onSlurm = (await backend.start(spec(ON_SLURM))).handle
    const onPrimary = (await backend.start(spec())).handle
    expect(await backend.observe(onSlurm)).toEqual({ state: 'running' })
    expect(await backend.observe(onPrimary)).toEqual({ state: 'running' })

    slurm.kill(onSlurm, 'the Slurm job was cancelled')
    expect(await backend.observe(onSlurm)).toEqual({ state: 'gone', reason: 'the Slurm job was cancelled' })
    expect(await backend.observe(onPrimary)).toEqual({ state: 'running' })

    await backend.stop(onPrimary, { purge: true })
    expect(primary.world.running).toBe(0)
    expect(primary.world.stops).toBe(1)
    expect(primary.world.homes.has(onPrimary.session as string)).toBe(false)
    expect(slurm.world.stops).toBe(0)
  })

  it('stops a Slurm sandbox on the slurm backend only', async () => {
    const { primary, slurm, backend } = pair()
    const onSlurm = (await backend.start(spec(ON_SLURM))).handle
    await backend.start(spec())
    await backend.stop(onSlurm)
    expect(slurm.world.running).toBe(0)
    expect(slurm.world.stops).toBe(1)
    expect(primary.world.running).toBe(1)
  })

  it('execs by the handle', async () => {
    const { primary, slurm, backend } = pair()
    const onSlurm = (await backend.start(spec(ON_SLURM))).handle
    const onPrimary = (await backend.start(spec())).handle
    const opts = { env: { WHERE: 'x' }, pty: { cols: 80, rows: 24 } }
    const p1 = backend.exec!(onSlurm, opts)
    const p2 = backend.exec!(onPrimary, opts)
    expect(p1).toBeInstanceOf(FakePty)
    const ptysOf = (b: FakeBackend) => [...b.world.sandboxes.values()].flatMap((s) => [...s.ptys])
    expect(ptysOf(slurm)).toEqual([p1])
    expect(ptysOf(primary)).toEqual([p2])
  })

  it('connects by the handle', async () => {
    const { primary, slurm, backend } = pair()
    const onSlurm = (await backend.start(spec(ON_SLURM))).handle
    const onPrimary = (await backend.start(spec())).handle
    await slurm.world.listen(onSlurm.session as string, 8888, greeter('slurm'))
    await primary.world.listen(onPrimary.session as string, 8888, greeter('primary'))
    expect(await greeting(await backend.connect!(onSlurm, 8888))).toBe('hello from slurm\n')
    expect(await greeting(await backend.connect!(onPrimary, 8888))).toBe('hello from primary\n')
  })

  it('refuses handles that name no running sandbox of either', async () => {
    const { backend } = pair()
    const opts = { env: {}, pty: { cols: 80, rows: 24 } }
    for (const handle of [
      { backend: 'slurm', id: 'fake-9' },
      { backend: 'fake', id: 'fake-9' },
      { backend: 'local' },
    ]) {
      expect(() => backend.exec!(handle, opts)).toThrow(LabgateError)
      await expect(backend.connect!(handle, 80)).rejects.toMatchObject({ code: 'unavailable' })
      expect(await backend.observe(handle)).toMatchObject({ state: 'gone' })
      await backend.stop(handle)
    }
  })

  it('owns the handles of both, and no others', async () => {
    const { backend } = pair()
    const onSlurm = (await backend.start(spec(ON_SLURM))).handle
    const onPrimary = (await backend.start(spec())).handle
    expect(backend.owns!(onSlurm)).toBe(true)
    expect(backend.owns!(onPrimary)).toBe(true)
    expect(backend.owns!({ backend: 'slurm' })).toBe(true)
    expect(backend.owns!({ backend: 'local' })).toBe(false)
    expect(backend.owns!({ backend: 'remote' })).toBe(false)
  })

  it("asks the primary's owns for what is not Slurm's", () => {
    const primary = new FakeBackend()
    const routing: SessionBackend = {
      ...primary,
      name: primary.name,
      start: (s) => primary.start(s),
      observe: (h) => primary.observe(h),
      stop: (h) => primary.stop(h),
      owns: (h) => h.backend === 'fake' || h.backend === 'remote',
    }
    const backend = withPlacements(routing, new FakeBackend({ name: 'slurm' }))
    expect(backend.owns!({ backend: 'remote' })).toBe(true)
    expect(backend.owns!({ backend: 'slurm' })).toBe(true)
    expect(backend.owns!({ backend: 'local' })).toBe(false)
  })

  it("gives each backend's sweep only its own handles, and adds up what they stopped", async () => {
    const { primary, slurm, backend } = pair()
    const onSlurm = (await backend.start(spec(ON_SLURM))).handle
    const onPrimary = (await backend.start(spec())).handle
    const remote = { backend: 'remote', reservationId: 'r1' }
    primary.stopped = 2
    slurm.stopped = 3
    const sessions = ['p-w01-s001', 'p-w01-s002']
    expect(await backend.sweep!([onSlurm, onPrimary, remote], sessions)).toBe(5)
    expect(slurm.swept).toEqual([{ known: [onSlurm], sessions }])
    expect(primary.swept).toEqual([{ known: [onPrimary, remote], sessions }])
  })

  it('sweeps with a backend that has no sweep', async () => {
    const primary = new SweepingFake()
    primary.stopped = 1
    const backend = withPlacements(primary, new FakeBackend({ name: 'slurm' }))
    expect(await backend.sweep!([{ backend: 'slurm', id: 'x' }], [])).toBe(1)
    expect(primary.swept).toEqual([{ known: [], sessions: [] }])
  })

  it('says which backend lacks terminals or web apps', async () => {
    const inner = new FakeBackend({ name: 'slurm' })
    const bare: SessionBackend = {
      name: 'slurm',
      start: (s) => inner.start(s),
      observe: (h) => inner.observe(h),
      stop: (h) => inner.stop(h),
    }
    const primary = new FakeBackend()
    const backend = withPlacements(primary, bare)
    const onSlurm = (await backend.start(spec(ON_SLURM))).handle
    const onPrimary = (await backend.start(spec())).handle
    const opts = { env: {}, pty: { cols: 80, rows: 24 } }
    expect(() => backend.exec!(onSlurm, opts)).toThrow('the slurm backend has no terminals')
    await expect(backend.connect!(onSlurm, 80)).rejects.toThrow('the slurm backend has no web apps')
    expect(backend.exec!(onPrimary, opts)).toBeInstanceOf(FakePty)

    const neither = withPlacements(
      { name: 'x', start: bare.start, observe: bare.observe, stop: bare.stop },
      bare,
    )
    expect(neither.exec).toBeUndefined()
    expect(neither.connect).toBeUndefined()
  })

  it('closes both', async () => {
    const { backend } = pair()
    await backend.close!()
    await expect(backend.start(spec())).rejects.toThrow('fake backend is closed')
    await expect(backend.start(spec(ON_SLURM))).rejects.toThrow('slurm backend is closed')
  })
})
