import { describe, expect, it } from 'vitest'
import { LabgateError } from './errors.js'
import {
  activatedExpiry,
  activationWindowEnd,
  cappedExpiry,
  extendedExpiry,
  extensionStep,
  extensionThreshold,
  parseTimeoutParam,
  scheduleOf,
  tighterTimeAllowed,
  type ScheduleSettings,
  type ScheduledSession,
} from './schedule.js'

const T = Date.UTC(2026, 0, 1)
const S = 1000
const M = 60
const H = 3600

/** A RUNNING session activated and started at T, expiring after `expires` unless told otherwise. */
function running(settings: ScheduleSettings, over: Partial<ScheduledSession> = {}): ScheduledSession {
  return { state: 'RUNNING', startedAt: T, activatedAt: T, expiresAt: T + settings.expires * S, ...over }
}

describe('extensionThreshold', () => {
  it.each([
    [0, 300],
    [1, 300],
    [10 * M, 300],
    [20 * M, 300],
    [20 * M + 4, 301],
    [20 * M + 3, 300],
    [30 * M, 450],
    [H, 900],
    [H + 2, 900],
    [H + 3, 900],
    [H + 4, 901],
    [4 * H, 3600],
    [8 * H, 3600],
    [100 * H, 3600],
  ])('expires %i s → %i s', (expires, threshold) => {
    expect(extensionThreshold(expires)).toBe(threshold)
  })
})

describe('extensionStep', () => {
  it('is the threshold without overtime', () => {
    expect(extensionStep({ expires: H, overtime: 0, deadline: 2 * H })).toBe(900)
    expect(extensionStep({ expires: 10 * M, overtime: 0, deadline: H })).toBe(300)
    expect(extensionStep({ expires: 8 * H, overtime: 0, deadline: 9 * H })).toBe(3600)
  })
  it('is max(300, overtime) with overtime', () => {
    expect(extensionStep({ expires: H, overtime: 60, deadline: 2 * H })).toBe(300)
    expect(extensionStep({ expires: H, overtime: 300, deadline: 2 * H })).toBe(300)
    expect(extensionStep({ expires: H, overtime: 600, deadline: 2 * H })).toBe(600)
    expect(extensionStep({ expires: 10 * M, overtime: 2 * H, deadline: 3 * H })).toBe(2 * H)
  })
})

describe('scheduleOf', () => {
  const settings = { expires: H, overtime: 0, deadline: 2 * H } // threshold = step = 900 s

  it('reports started, expires and a whole-second countdown rounded down', () => {
    const s = running(settings)
    expect(scheduleOf(s, settings, T)).toEqual({
      started: T,
      expires: T + H * S,
      expiring: false,
      countdown: 3600,
      extendable: false,
    })
    expect(scheduleOf(s, settings, T + 1).countdown).toBe(3599)
    expect(scheduleOf(s, settings, T + 999).countdown).toBe(3599)
    expect(scheduleOf(s, settings, T + 1000).countdown).toBe(3599)
    expect(scheduleOf(s, settings, T + 1001).countdown).toBe(3598)
    expect(scheduleOf(s, settings, T + H * S - 1).countdown).toBe(0)
  })

  it('never counts below zero and is 0 without expiry', () => {
    expect(scheduleOf(running(settings), settings, T + 2 * H * S).countdown).toBe(0)
    const never = { expires: 0, overtime: 0, deadline: 0 }
    const view = scheduleOf(running(never, { expiresAt: null }), never, T + 1e9)
    expect(view).toEqual({ started: T, expires: null, expiring: false, countdown: 0, extendable: false })
  })

  it('is expiring once strictly less than the threshold remains', () => {
    const s = running(settings)
    const end = T + H * S
    expect(scheduleOf(s, settings, end - 900 * S).expiring).toBe(false)
    expect(scheduleOf(s, settings, end - 900 * S + 1).expiring).toBe(true)
    expect(scheduleOf(s, settings, end).expiring).toBe(true)
    expect(scheduleOf(s, settings, end + 1).expiring).toBe(true)
  })

  it('reports a pending session as expiring inside its activation window', () => {
    const pending: ScheduledSession = {
      state: 'RUNNING',
      startedAt: T,
      activatedAt: null,
      expiresAt: T + 60 * S,
    }
    const view = scheduleOf(pending, settings, T)
    expect(view.expiring).toBe(true)
    expect(view.countdown).toBe(60)
    expect(view.extendable).toBe(false)
  })

  it('is extendable only once strictly less than one step remains', () => {
    const s = running(settings)
    const end = T + H * S
    expect(scheduleOf(s, settings, end - 900 * S).extendable).toBe(false)
    expect(scheduleOf(s, settings, end - 899 * S).extendable).toBe(true)
    expect(scheduleOf(s, settings, end - 900 * S + 1).extendable).toBe(true)
    expect(scheduleOf(s, settings, end + 10 * S).extendable).toBe(true)
  })

  it('uses the overtime step for extendable and the threshold for expiring', () => {
    const withOvertime = { expires: H, overtime: 1800, deadline: 3 * H }
    const s = running(withOvertime)
    const end = T + H * S
    expect(scheduleOf(s, withOvertime, end - 1800 * S)).toMatchObject({ extendable: false, expiring: false })
    expect(scheduleOf(s, withOvertime, end - 1799 * S)).toMatchObject({ extendable: true, expiring: false })
    expect(scheduleOf(s, withOvertime, end - 899 * S)).toMatchObject({ extendable: true, expiring: true })
  })

  it('is not extendable with the default deadline (= expires)', () => {
    const def = { expires: H, overtime: 0, deadline: H }
    expect(scheduleOf(running(def), def, T + H * S - 1).extendable).toBe(false)
    expect(extendedExpiry(running(def), def, T + H * S - 1)).toBeNull()
  })

  it('is not extendable once the deadline is reached', () => {
    const s = running(settings, { expiresAt: T + 2 * H * S })
    expect(scheduleOf(s, settings, T + 2 * H * S - S).extendable).toBe(false)
  })

  it('is not extendable unless RUNNING, activated and expiring workshop', () => {
    const end = T + H * S
    for (const state of ['STARTING', 'WAITING', 'STOPPING', 'STOPPED'] as const) {
      expect(scheduleOf(running(settings, { state }), settings, end - S).extendable).toBe(false)
    }
    expect(scheduleOf(running(settings, { activatedAt: null }), settings, end - S).extendable).toBe(false)
    expect(scheduleOf(running(settings, { startedAt: null }), settings, end - S).extendable).toBe(false)
    const never = { expires: 0, overtime: 0, deadline: 2 * H }
    expect(scheduleOf(running(settings), never, end - S).extendable).toBe(false)
  })
})

describe('extendedExpiry', () => {
  const settings = { expires: H, overtime: 0, deadline: 2 * H }

  it('adds one step to the current expiry, not to now', () => {
    const s = running(settings)
    expect(extendedExpiry(s, settings, T + H * S - 600 * S)).toBe(T + (H + 900) * S)
  })

  it('caps at startedAt + deadline', () => {
    const s = running(settings, { expiresAt: T + (2 * H - 100) * S })
    expect(extendedExpiry(s, settings, T + (2 * H - 200) * S)).toBe(T + 2 * H * S)
  })

  it('extends repeatedly until the deadline, then refuses', () => {
    let s = running(settings)
    const seen: number[] = []
    for (;;) {
      const now = (s.expiresAt as number) - 60 * S
      const next = extendedExpiry(s, settings, now)
      if (next == null) break
      seen.push((next - T) / S)
      s = { ...s, expiresAt: next }
    }
    expect(seen).toEqual([4500, 5400, 6300, 7200])
  })

  it('is null when not extendable (too early)', () => {
    expect(extendedExpiry(running(settings), settings, T)).toBeNull()
  })

  it('agrees with scheduleOf().extendable', () => {
    const s = running(settings)
    for (let now = T; now <= T + 2 * H * S; now += 37 * S) {
      expect(extendedExpiry(s, settings, now) != null).toBe(scheduleOf(s, settings, now).extendable)
    }
  })
})

describe('activationWindowEnd / activatedExpiry', () => {
  const settings = { expires: 30 * M, overtime: 0, deadline: 30 * M }
  const never = { expires: 0, overtime: 0, deadline: 0 }

  it('is now + timeout for a positive timeout', () => {
    expect(activationWindowEnd(T, 60, settings)).toBe(T + 60 * S)
    expect(activationWindowEnd(T, 1, settings)).toBe(T + S)
    expect(activationWindowEnd(T, 7200, never)).toBe(T + 7200 * S)
  })
  it("is the workshop's own expiry for timeout 0, null when it never expires", () => {
    expect(activationWindowEnd(T, 0, settings)).toBe(T + 30 * M * S)
    expect(activationWindowEnd(T, 0, never)).toBeNull()
  })
  it('refuses a negative or fractional timeout', () => {
    expect(() => activationWindowEnd(T, -1, settings)).toThrow(RangeError)
    expect(() => activationWindowEnd(T, 1.5, settings)).toThrow(RangeError)
  })
  it('activatedExpiry is now + expires, or null', () => {
    expect(activatedExpiry(T, settings)).toBe(T + 1800 * S)
    expect(activatedExpiry(T, never)).toBeNull()
  })
})

describe('a session capped by timeAllowed', () => {
  const settings = { expires: H, overtime: 0, deadline: 2 * H }
  const never = { expires: 0, overtime: 0, deadline: 0 }

  it('is activated with min(now + expires, now + timeAllowed)', () => {
    expect(activatedExpiry(T, settings, 20 * M)).toBe(T + 20 * M * S)
    expect(activatedExpiry(T, settings, 2 * H)).toBe(T + H * S)
    expect(activatedExpiry(T, settings, H)).toBe(T + H * S)
    expect(activatedExpiry(T, settings, 0)).toBe(T + H * S)
  })

  it('is activated with now + timeAllowed when the workshop never expires', () => {
    expect(activatedExpiry(T, never, 20 * M)).toBe(T + 20 * M * S)
    expect(activatedExpiry(T, never, 0)).toBeNull()
  })

  it('has an activation window no longer than its cap for timeout 0, the timeout otherwise', () => {
    expect(activationWindowEnd(T, 0, settings, 20 * M)).toBe(T + 20 * M * S)
    expect(activationWindowEnd(T, 0, never, 20 * M)).toBe(T + 20 * M * S)
    expect(activationWindowEnd(T, 60, settings, 20 * M)).toBe(T + 60 * S)
  })

  it('is extended no further than startedAt + timeAllowed', () => {
    const s = running(settings, { timeAllowed: H + 10 * M })
    expect(extendedExpiry(s, settings, T + (H - 60) * S)).toBe(T + (H + 10 * M) * S)
  })

  it('is extended no further than the deadline when that comes before the cap', () => {
    const s = running(settings, { timeAllowed: 3 * H, expiresAt: T + (2 * H - 100) * S })
    expect(extendedExpiry(s, settings, T + (2 * H - 200) * S)).toBe(T + 2 * H * S)
  })

  it('is not extendable once at its cap, though the deadline is later', () => {
    const s = running(settings, { timeAllowed: 20 * M, expiresAt: T + 20 * M * S })
    const now = T + 19 * M * S
    expect(scheduleOf(s, settings, now).extendable).toBe(false)
    expect(extendedExpiry(s, settings, now)).toBeNull()
    expect(scheduleOf({ ...s, timeAllowed: 0 }, settings, now).extendable).toBe(true)
  })

  it('extends repeatedly until the cap, then refuses', () => {
    let s = running(settings, { timeAllowed: H + 20 * M })
    const seen: number[] = []
    for (;;) {
      const now = (s.expiresAt as number) - 60 * S
      const next = extendedExpiry(s, settings, now)
      if (next == null) break
      seen.push((next - T) / S)
      s = { ...s, expiresAt: next }
    }
    expect(seen).toEqual([4500, 4800])
  })

  it('keeps the tighter of two caps, 0 being none', () => {
    expect(tighterTimeAllowed(0, 0)).toBe(0)
    expect(tighterTimeAllowed(0, 60)).toBe(60)
    expect(tighterTimeAllowed(60, 0)).toBe(60)
    expect(tighterTimeAllowed(120, 60)).toBe(60)
    expect(tighterTimeAllowed(60, 120)).toBe(60)
  })

  it('caps an activated session at startedAt + timeAllowed, never lengthening it', () => {
    const s = running(settings)
    expect(cappedExpiry(s, 20 * M)).toBe(T + 20 * M * S)
    expect(cappedExpiry(s, 2 * H)).toBe(T + H * S)
    expect(cappedExpiry(s, 0)).toBe(T + H * S)
    expect(cappedExpiry(running(never, { expiresAt: null }), 20 * M)).toBe(T + 20 * M * S)
  })

  it('leaves a pending session to its activation', () => {
    const pending = { state: 'RUNNING' as const, startedAt: T, activatedAt: null, expiresAt: T + 60 * S }
    expect(cappedExpiry(pending, 30)).toBe(T + 60 * S)
  })
})

describe('parseTimeoutParam', () => {
  it.each([
    [undefined, 60],
    ['', 60],
    ['0', 0],
    ['60', 60],
    ['007', 7],
    ['3600', 3600],
    ['315360000', 315360000],
    ['0'.repeat(50) + '5', 5],
  ] as const)('%j → %i', (raw, value) => {
    expect(parseTimeoutParam(raw)).toBe(value)
  })

  it.each([
    '-1',
    '+1',
    '1.5',
    '1.0',
    'abc',
    '1e3',
    '0x10',
    ' 60',
    '60 ',
    '60\n',
    '١٢',
    'Infinity',
    '315360001',
    '9'.repeat(400),
  ])('refuses %j with a 400', (raw) => {
    let caught: unknown
    try {
      parseTimeoutParam(raw)
    } catch (e) {
      caught = e
    }
    expect(caught).toBeInstanceOf(LabgateError)
    expect(caught).toMatchObject({
      code: 'bad_request',
      message: 'timeout must be a non-negative integer number of seconds',
    })
  })
})
