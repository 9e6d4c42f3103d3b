import { describe, expect, it } from 'vitest'
import { isDnsLabel } from './names.js'
import { remoteLabWorkshopName, remoteLabWorkshops } from './remote-lab-workshops.js'
import type { LabgateSettings, LmsRegistration } from './types.js'

const lms = (name: string, labs: LmsRegistration['labs']): LmsRegistration => ({
  name,
  lti11: { key: name, secret: 's' },
  labs,
  timeZone: 'UTC',
})
const portal = (registrations: LmsRegistration[]) => ({
  maximum: 0,
  labgate: { lms: registrations } as unknown as LabgateSettings,
})

describe('the workshops of remote labs', () => {
  it('are one per laboratory the LMSs name, whoever names it', () => {
    const ws = remoteLabWorkshops(
      portal([
        lms('moodle', [
          { id: 'a', timeAllowed: 0, remote: { system: 'physics', laboratory: 'Pendulum #1' } },
          { id: 'b', timeAllowed: 0, workshop: 'shell' },
        ]),
        lms('canvas', [
          { id: 'c', timeAllowed: 0, remote: { system: 'physics', laboratory: 'Pendulum #1' } },
        ]),
      ]),
      {},
    )
    expect(ws).toHaveLength(1)
    expect(ws[0]).toMatchObject({
      workshop: { remote: { system: 'physics', laboratory: 'Pendulum #1' }, title: 'Pendulum #1 (physics)' },
      capacity: 0,
      reserved: 0,
      initial: 0,
      expires: 3600,
    })
    expect(ws[0]!.definitionHash).toMatch(/^[0-9a-f]{16}$/)
  })

  it('take the portal default expiry, and never keep reserves', () => {
    const [w] = remoteLabWorkshops(
      portal([lms('m', [{ id: 'a', timeAllowed: 0, remote: { system: 's', laboratory: 'l' } }])]),
      { expires: { value: 900, from: 'x' }, reserved: { value: 3, from: 'x' } },
    )
    expect(w).toMatchObject({ expires: 900, deadline: 900, reserved: 0 })
  })

  it('have names that are DNS labels, distinct per system and laboratory', () => {
    const a = remoteLabWorkshopName({ system: 'physics', laboratory: 'Pendulum #1' })
    const b = remoteLabWorkshopName({ system: 'physics', laboratory: 'pendulum-1' })
    const long = remoteLabWorkshopName({ system: 'x'.repeat(63), laboratory: '€'.repeat(80) })
    for (const n of [a, b, long]) expect(isDnsLabel(n), n).toBe(true)
    expect(a).not.toBe(b)
    expect(a).toMatch(/^remote-physics-pendulum-1-[0-9a-f]{8}$/)
  })
})
