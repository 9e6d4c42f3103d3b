import { describe, expect, it } from 'vitest'
import { canTransition, isActive, isLive, isPending } from './session-state.js'
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

describe('isLive / isActive', () => {
  it.each([
    ['STARTING', true, true],
    ['WAITING', true, true],
    ['RUNNING', true, true],
    ['STOPPING', true, false],
    ['STOPPED', false, false],
  ] as const)('%s: live %s, active %s', (state, live, active) => {
    expect(isLive(state)).toBe(live)
    expect(isActive(state)).toBe(active)
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
