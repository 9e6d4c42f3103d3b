import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { FakeRemoteLabSystem } from '../../../test/lms/fake-remote-lab-system.js'
import { ManualClock } from '../../domain/clock.js'
import { openStore, type OpenStore } from '../../store/open-store.js'
import { reserveRemoteLab, type RemoteReserve } from './reserve-remote-lab.js'

let lab: FakeRemoteLabSystem
let db: OpenStore
const clock = new ManualClock()

beforeAll(async () => {
  lab = await new FakeRemoteLabSystem().start()
  db = await openStore({ sqlite: ':memory:' })
})
afterAll(async () => {
  await lab?.stop()
  await db?.close()
})

const deps = () => ({ remoteLabs: [lab.system('physics-lab')], audit: db.audit, clock })
const request = (o: Partial<RemoteReserve> = {}): RemoteReserve => ({
  lms: 'moodle',
  userId: 'moodle:u-1',
  course: 'c-101',
  labId: 'pendulum',
  remote: { system: 'physics-lab', laboratory: 'pendulum-1' },
  ...o,
})

describe('reserveRemoteLab', () => {
  it('reserves, sends only the browser facts it has, and audits the reservation id', async () => {
    const r = await reserveRemoteLab(deps(), request({ browser: { userAgent: 'Firefox' } }))
    expect(r).toMatchObject({ ok: true, loadUrl: `${lab.url}/lab/${r.ok ? r.reservationId : ''}` })
    expect(lab.reserves.at(-1)).toMatchObject({ user_properties: { user_agent: 'Firefox' } })
    expect(lab.reserves.at(-1)).not.toHaveProperty('back')
    const [rec] = await db.audit.list({ lms: 'moodle' })
    expect(rec).toMatchObject({
      at: clock.now(),
      kind: 'remote.reserve',
      outcome: 'ok',
      userId: 'moodle:u-1',
      course: 'c-101',
      lab: 'pendulum',
      reason: null,
      data: { system: 'physics-lab', laboratory: 'pendulum-1', reservation: r.ok ? r.reservationId : '' },
    })
  })

  it('fails, audited, for a laboratory the system does not have or a system not configured', async () => {
    const missing = await reserveRemoteLab(
      deps(),
      request({ remote: { system: 'physics-lab', laboratory: 'nope' } }),
    )
    expect(missing).toEqual({
      ok: false,
      reason: expect.stringContaining('remote lab system physics-lab answered HTTP 404 to reserve'),
    })
    const unknown = await reserveRemoteLab(
      deps(),
      request({ remote: { system: 'gone-lab', laboratory: 'x' } }),
    )
    expect(unknown).toEqual({
      ok: false,
      reason: 'remote lab system gone-lab is not configured in spec.labgate.remoteLabs',
    })
    const failed = (await db.audit.list({})).filter((r) => r.outcome === 'failed')
    expect(failed.map((r) => r.data.system)).toEqual(['physics-lab', 'gone-lab'])
    expect(failed[0]!.data).toMatchObject({ error: 'http_error', status: 404 })
  })
})
