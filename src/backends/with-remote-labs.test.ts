import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBackendSuite } from '../../test/conformance/backend.suite.js'
import { FakeRemoteLabSystem } from '../../test/lms/fake-remote-lab-system.js'
import { LabgateError } from '../domain/errors.js'
import type { SandboxHandle, SandboxSpec, SessionBackend } from './backend.js'
import { FakeBackend, FakeWorld } from './fake/index.js'
import { RemoteLabBackend } from './remote/remote-lab-backend.js'
import { withRemoteLabs } from './with-remote-labs.js'

// The portal's backend with remote labs added still keeps the whole sandbox contract.
runBackendSuite({
  name: 'fake, with remote labs',
  make: async () => {
    const world = new FakeWorld()
    return { backend: withRemoteLabs(new FakeBackend({ world })), world, cleanup: async () => {} }
  },
  remake: async ({ world }) => withRemoteLabs(new FakeBackend({ world })),
  serve: ({ world }: { world: FakeWorld }, handle: SandboxHandle, port: number) =>
    world.listen(
      handle.session as string,
      port,
      createServer((socket) => socket.end(`hello ${port}\n`)),
    ),
})

describe('remote lab sessions', () => {
  let lab: FakeRemoteLabSystem
  beforeAll(async () => {
    lab = await new FakeRemoteLabSystem().start()
  })
  afterAll(async () => lab?.stop())

  const spec = (laboratory = 'pendulum-1'): SandboxSpec => ({
    session: 'p-w01-s001',
    workshop: 'remote-physics-lab-pendulum-1',
    env: {},
    remoteLab: {
      system: lab.system('physics-lab'),
      laboratory,
      username: 'moodle:42',
      institution: 'moodle',
      back: 'https://lms.example/course',
    },
  })

  it('start a reservation that runs until labgate ends it, and survives a restart', async () => {
    const backend = withRemoteLabs(new FakeBackend())
    const { handle, warnings } = await backend.start(spec())
    expect(warnings).toEqual([])
    expect(handle).toEqual({
      backend: 'remote',
      system: 'physics-lab',
      laboratory: 'pendulum-1',
      reservationId: expect.any(String),
      loadUrl: `${lab.url}/lab/${handle.reservationId as string}`,
    })
    expect(lab.reserves.at(-1)).toMatchObject({
      laboratory_id: 'pendulum-1',
      username: 'moodle:42',
      institution: 'moodle',
      back: 'https://lms.example/course',
    })
    const restarted = withRemoteLabs(new FakeBackend())
    expect(await restarted.observe(JSON.parse(JSON.stringify(handle)))).toEqual({ state: 'running' })
    await restarted.stop(handle)
    expect(await restarted.observe({ backend: 'remote' })).toEqual({ state: 'gone' })
  })

  it('have no terminals or web apps', async () => {
    const backend = withRemoteLabs(new FakeBackend())
    const { handle } = await backend.start(spec())
    expect(() => backend.exec!(handle, { env: {}, pty: { cols: 80, rows: 24 } })).toThrow(LabgateError)
    await expect(backend.connect!(handle, 8080)).rejects.toThrow('no terminals or web apps')
  })

  it("fail to start with the system's error, naming it", async () => {
    const backend = withRemoteLabs(new FakeBackend())
    lab.misbehave.reserve = 'http_500'
    try {
      await expect(backend.start(spec())).rejects.toMatchObject({
        code: 'backend_failed',
        message: expect.stringContaining('remote lab system physics-lab answered HTTP 500'),
      })
    } finally {
      lab.misbehave = {}
    }
  })

  it("are never shown to the sandboxes' sweep", async () => {
    const fake = new FakeBackend()
    const swept: SandboxHandle[] = []
    // The fake has no sweep: this one records what it would have been given.
    const primary: SessionBackend = {
      name: fake.name,
      start: (x) => fake.start(x),
      observe: (h) => fake.observe(h),
      stop: (h, o) => fake.stop(h, o),
      sweep: async (known) => {
        swept.push(...known)
        return 0
      },
    }
    const backend = withRemoteLabs(primary)
    const remote = await backend.start(spec())
    const local = await backend.start({ session: 'p-w01-s002', workshop: 'w', env: {} })
    expect(await backend.sweep!([remote.handle, local.handle], ['p-w01-s001', 'p-w01-s002'])).toBe(0)
    expect(swept).toEqual([local.handle])
  })

  it('are refused by the remote backend without a remote lab', async () => {
    await expect(new RemoteLabBackend().start({ session: 's', workshop: 'w', env: {} })).rejects.toThrow(
      'only reserves remote labs',
    )
  })
})
