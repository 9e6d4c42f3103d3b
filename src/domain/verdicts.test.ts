import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import { SESSION_STATES, HOLDS_CAPACITY } from './session-states.js'
import type { EnvironmentState, SessionState } from './types.js'
import {
  STOP_RETRY_MS,
  adoptionVerdict,
  isDrained,
  isObservable,
  sandboxVerdict,
  sessionVerdict,
  type VerdictEnvironment,
  type VerdictSession,
} from './verdicts.js'

const T0 = Date.UTC(2026, 0, 1, 12)
const MIN = 60_000

/** A session created at T0; `kind` sets owner and activation the way the use cases do. */
function session(
  state: SessionState,
  kind: 'reserve' | 'pending' | 'activated',
  o: Partial<VerdictSession> = {},
): VerdictSession {
  return {
    state,
    owner: kind === 'reserve' ? null : 'u1',
    createdAt: T0,
    allocatedAt: kind === 'reserve' ? null : T0,
    activatedAt: kind === 'activated' ? T0 : null,
    expiresAt: kind === 'reserve' ? null : T0 + 10 * MIN,
    lastActivityAt: null,
    lastViewAt: null,
    stoppingAt: state === 'STOPPING' || state === 'STOPPED' ? T0 : null,
    handle: state === 'STARTING' ? null : { pid: 1 },
    ...o,
  }
}

const env = (state: EnvironmentState = 'RUNNING', orphaned = 0, overdue = 0): VerdictEnvironment => ({
  state,
  settings: { orphaned, overdue },
})

describe('sessionVerdict', () => {
  const clock = new ManualClock(T0)
  const at = (ms: number) => {
    clock.set(T0 + ms)
    return clock.now()
  }

  it.each([
    // description, session, environment, ms after T0, verdict
    ['pending, window open', session('RUNNING', 'pending'), env(), 10 * MIN - 1, 'keep'],
    ['pending, window just closed', session('RUNNING', 'pending'), env(), 10 * MIN, 'activation-timeout'],
    ['pending while starting, closed', session('STARTING', 'pending'), env(), 11 * MIN, 'activation-timeout'],
    [
      'pending, no window (never expires)',
      session('RUNNING', 'pending', { expiresAt: null }),
      env(),
      1e9,
      'keep',
    ],
    ['pending is never orphaned', session('RUNNING', 'pending'), env('RUNNING', 60), 9 * MIN, 'keep'],
    ['pending is never drained', session('RUNNING', 'pending'), env('STOPPING'), 1 * MIN, 'keep'],
    ['activated, before expiry', session('RUNNING', 'activated'), env(), 10 * MIN - 1, 'keep'],
    ['activated, at expiry', session('RUNNING', 'activated'), env(), 10 * MIN, 'expired'],
    ['activated, never expires', session('RUNNING', 'activated', { expiresAt: null }), env(), 1e9, 'keep'],
    [
      'activated, idle under the limit',
      session('RUNNING', 'activated'),
      env('RUNNING', 120),
      2 * MIN - 1,
      'keep',
    ],
    [
      'activated, idle at the limit',
      session('RUNNING', 'activated'),
      env('RUNNING', 120),
      2 * MIN,
      'orphaned',
    ],
    ['expiry wins over orphaned', session('RUNNING', 'activated'), env('RUNNING', 60), 10 * MIN, 'expired'],
    [
      'activated, recent activity',
      session('RUNNING', 'activated', { lastActivityAt: T0 + 5 * MIN, lastViewAt: T0 + 5 * MIN }),
      env('RUNNING', 120),
      6 * MIN,
      'keep',
    ],
    [
      'activated in a draining environment',
      session('RUNNING', 'activated'),
      env('STOPPING'),
      1 * MIN,
      'keep',
    ],
    ['reserve of a running environment', session('WAITING', 'reserve'), env(), 1e9, 'keep'],
    ['reserve of a draining environment', session('WAITING', 'reserve'), env('STOPPING'), 0, 'drained'],
    ['starting reserve of a draining one', session('STARTING', 'reserve'), env('STOPPING'), 0, 'drained'],
    ['drained wins over overdue', session('STARTING', 'reserve'), env('STOPPING', 0, 60), 2 * MIN, 'drained'],
    [
      'starting reserve, not overdue yet',
      session('STARTING', 'reserve'),
      env('RUNNING', 0, 60),
      1 * MIN,
      'keep',
    ],
    [
      'starting reserve, overdue',
      session('STARTING', 'reserve'),
      env('RUNNING', 0, 60),
      1 * MIN + 1,
      'failed',
    ],
    ['starting reserve, no overdue limit', session('STARTING', 'reserve'), env(), 1e9, 'keep'],
    ['waiting reserve is never overdue', session('WAITING', 'reserve'), env('RUNNING', 0, 60), 1e9, 'keep'],
    ['no environment', session('RUNNING', 'activated'), null, 1e9, 'keep'],
    ['stopped', session('STOPPED', 'activated'), env('STOPPING', 60, 60), 1e9, 'keep'],
  ] as const)('%s: %s', (_, s, e, ms, expected) => {
    const v = sessionVerdict(s, e, at(ms))
    expect(v.kind === 'stop' ? v.reason : v.kind).toBe(expected)
  })

  describe('a STOPPING session', () => {
    const s = session('STOPPING', 'activated')
    it.each([
      // ms after it went STOPPING, start in flight, verdict
      [0, false, 'keep'],
      [STOP_RETRY_MS, false, 'keep'],
      [STOP_RETRY_MS + 1, false, 'finish-stop'],
      [STOP_RETRY_MS + 1, true, 'keep'],
    ] as const)('%sms after, start in flight %s: %s', (ms, inFlight, expected) => {
      expect(sessionVerdict(s, env(), at(ms), inFlight).kind).toBe(expected)
      expect(sessionVerdict(s, null, at(ms), inFlight).kind).toBe(expected)
    })
    it('without a stopping time is left alone', () => {
      expect(sessionVerdict({ ...s, stoppingAt: null }, env(), at(1e9)).kind).toBe('keep')
    })
  })

  // Every state × kind × environment × time: the verdicts only ever stop what they may.
  const kinds = ['reserve', 'pending', 'activated'] as const
  const envs = [null, env(), env('STOPPING'), env('RUNNING', 60, 60), env('STOPPING', 60, 60)]
  const times = [0, 1, MIN, 10 * MIN - 1, 10 * MIN, STOP_RETRY_MS + 1, 3 * 60 * MIN, 1e10]
  const cases = SESSION_STATES.flatMap((state) =>
    kinds.flatMap((kind) => envs.flatMap((e) => times.map((ms) => [state, kind, e, ms] as const))),
  )
  it(`holds its rules over all ${cases.length} combinations`, () => {
    for (const [state, kind, e, ms] of cases) {
      const s = session(state, kind)
      const v = sessionVerdict(s, e, at(ms))
      const where = `${state} ${kind} ${e?.state ?? 'none'} +${ms}`
      if (v.kind === 'finish-stop') expect(state, where).toBe('STOPPING')
      if (v.kind !== 'stop') continue
      expect(HOLDS_CAPACITY, where).toContain(state)
      expect(e, where).not.toBeNull()
      switch (v.reason) {
        case 'activation-timeout':
          expect(kind, where).toBe('pending')
          expect(clock.now(), where).toBeGreaterThanOrEqual(s.expiresAt!)
          break
        case 'expired':
          expect(kind, where).toBe('activated')
          expect(clock.now(), where).toBeGreaterThanOrEqual(s.expiresAt!)
          break
        case 'orphaned':
          expect(kind, where).toBe('activated')
          expect(e!.settings.orphaned, where).toBeGreaterThan(0)
          break
        case 'drained':
          expect([kind, e!.state], where).toEqual(['reserve', 'STOPPING'])
          break
        case 'failed':
          expect([kind, state], where).toEqual(['reserve', 'STARTING'])
          expect(clock.now() - s.createdAt, where).toBeGreaterThan(e!.settings.overdue * 1000)
          break
        default:
          throw new Error(`${where}: unexpected ${v.reason}`)
      }
    }
  })
})

describe('isObservable and sandboxVerdict', () => {
  it.each(SESSION_STATES.map((state) => [state, state === 'WAITING' || state === 'RUNNING'] as const))(
    '%s with a handle: observable %s',
    (state, expected) => {
      expect(isObservable({ state, handle: { pid: 1 } })).toBe(expected)
      expect(isObservable({ state, handle: null })).toBe(false)
    },
  )
  it('stops a session whose sandbox is gone as vanished', () => {
    expect(sandboxVerdict(true)).toEqual({ kind: 'stop', reason: 'vanished' })
    expect(sandboxVerdict(false)).toEqual({ kind: 'keep' })
  })
})

describe('adoptionVerdict', () => {
  it.each([
    ['STOPPING', 'u1', { pid: 1 }, 'finish-stop'],
    ['STOPPING', null, null, 'finish-stop'],
    ['STARTING', 'u1', null, 'relaunch'],
    ['STARTING', null, null, 'stop'],
    ['STARTING', 'u1', { pid: 1 }, 'observe'],
    ['WAITING', null, { pid: 1 }, 'observe'],
    ['RUNNING', 'u1', { pid: 1 }, 'observe'],
  ] as const)('%s, owner %s, handle %o: %s', (state, owner, handle, expected) => {
    const v = adoptionVerdict({ state, owner, handle })
    expect(v.kind).toBe(expected)
    if (v.kind === 'stop') expect(v.reason).toBe('failed')
  })
})

describe('isDrained', () => {
  it.each([
    ['STOPPING', 0, true],
    ['STOPPING', 1, false],
    ['RUNNING', 0, false],
    ['STARTING', 0, false],
  ] as const)('%s with %s visible sessions: %s', (state, left, expected) => {
    expect(isDrained({ state }, left)).toBe(expected)
  })
})
