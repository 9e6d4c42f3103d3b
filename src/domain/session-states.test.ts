import { describe, expect, it } from 'vitest'
import { LabgateError } from './errors.js'
import {
  ALLOCATED,
  ENDED,
  HOLDS_CAPACITY,
  RESERVE,
  SANDBOX_UP,
  SESSION_STATES,
  VISIBLE,
  assertTransition,
  canTransition,
  hasEnded,
  isPending,
  statesBefore,
  transitionSources,
} from './session-states.js'
import type { SessionState } from './types.js'

const STATES: SessionState[] = ['STARTING', 'WAITING', 'RUNNING', 'STOPPING', 'STOPPED']
const ALLOWED = new Set([
  'STARTING>WAITING',
  'STARTING>RUNNING',
  'STARTING>STOPPING',
  'WAITING>RUNNING',
  'WAITING>STOPPING',
  'RUNNING>STOPPING',
  'STOPPING>STOPPED',
])

describe('canTransition', () => {
  const pairs = STATES.flatMap((from) => STATES.map((to) => [from, to] as const))
  it.each(pairs)('%s -> %s', (from, to) => {
    expect(canTransition(from, to)).toBe(ALLOWED.has(`${from}>${to}`))
  })
})

describe('assertTransition', () => {
  it('passes an allowed change and throws illegal_transition for a forbidden one', () => {
    expect(() => assertTransition('s1', 'RUNNING', 'STOPPING')).not.toThrow()
    const err = (() => {
      try {
        assertTransition('s1', 'STARTING', 'STOPPED')
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(LabgateError)
    expect((err as LabgateError).code).toBe('illegal_transition')
    expect((err as LabgateError).message).toBe('session s1 cannot go from STARTING to STOPPED')
  })
  it('transitionSources is the table when no states are named, and refuses a forbidden one', () => {
    for (const to of STATES) expect(transitionSources('s1', to)).toEqual(statesBefore(to))
    expect(transitionSources('s1', 'STOPPING', ['RUNNING'])).toEqual(['RUNNING'])
    expect(() => transitionSources('s1', 'STOPPED', ['RUNNING', 'STOPPING'])).toThrow(
      expect.objectContaining({
        code: 'illegal_transition',
        message: 'session s1 cannot go from RUNNING to STOPPED',
      }),
    )
    expect(() => transitionSources('s1', 'RUNNING', ['RUNNING'])).toThrow(LabgateError)
  })
  it('statesBefore is the inverse of the table', () => {
    for (const to of STATES)
      expect(statesBefore(to)).toEqual(STATES.filter((from) => ALLOWED.has(`${from}>${to}`)))
  })
})

describe('named sets', () => {
  it('lists every state once, in life order', () => {
    expect(SESSION_STATES).toEqual(STATES)
  })
  it.each([
    // state, holds capacity, visible, ended, allocated, sandbox up, reserve
    ['STARTING', true, true, false, true, false, true],
    ['WAITING', true, true, false, false, true, true],
    ['RUNNING', true, true, false, true, true, false],
    ['STOPPING', false, true, true, false, false, false],
    ['STOPPED', false, false, true, false, false, false],
  ] as const)(
    '%s: capacity %s, visible %s, ended %s, allocated %s, up %s, reserve %s',
    (state, cap, vis, end, alloc, up, reserve) => {
      expect(HOLDS_CAPACITY.includes(state)).toBe(cap)
      expect(VISIBLE.includes(state)).toBe(vis)
      expect(ENDED.includes(state)).toBe(end)
      expect(hasEnded(state)).toBe(end)
      expect(ALLOCATED.includes(state)).toBe(alloc)
      expect(SANDBOX_UP.includes(state)).toBe(up)
      expect(RESERVE.includes(state)).toBe(reserve)
    },
  )
  it('are frozen', () => {
    expect(Object.isFrozen(VISIBLE)).toBe(true)
    expect(Object.isFrozen(HOLDS_CAPACITY)).toBe(true)
  })
})

describe('isPending', () => {
  it('is an owned, unactivated STARTING or RUNNING session', () => {
    expect(isPending({ owner: 'u1', activatedAt: null, state: 'RUNNING' })).toBe(true)
    expect(isPending({ owner: 'u1', activatedAt: null, state: 'STARTING' })).toBe(true)
  })
  it('is not a reserve, an activated session, or a waiting/stopping/stopped one', () => {
    expect(isPending({ owner: null, activatedAt: null, state: 'RUNNING' })).toBe(false)
    expect(isPending({ owner: 'u1', activatedAt: 1, state: 'RUNNING' })).toBe(false)
    expect(isPending({ owner: 'u1', activatedAt: 0, state: 'RUNNING' })).toBe(false)
    expect(isPending({ owner: 'u1', activatedAt: null, state: 'WAITING' })).toBe(false)
    expect(isPending({ owner: 'u1', activatedAt: null, state: 'STOPPING' })).toBe(false)
    expect(isPending({ owner: 'u1', activatedAt: null, state: 'STOPPED' })).toBe(false)
  })
})
