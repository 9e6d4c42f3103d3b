import { describe, expect, it } from 'vitest'
import {
  planAllocation,
  reserveRoom,
  reserveTarget,
  reservesToStart,
  type AllocationInput,
  type SessionCounts,
} from './allocation.js'
import type { UserKind } from './types.js'

function input(over: Partial<AllocationInput> = {}): AllocationInput {
  return {
    capacity: 10,
    envHolding: 0,
    envWaiting: 0,
    portalMaximum: 0,
    portalHolding: 0,
    oldestEvictableReserve: null,
    userKind: 'anonymous',
    userCap: 0,
    userHolding: 0,
    ...over,
  }
}

describe('planAllocation', () => {
  it('creates when nothing is reserved and there is room', () => {
    expect(planAllocation(input())).toEqual({ kind: 'create' })
  })

  it('takes a reserve when one is waiting', () => {
    expect(planAllocation(input({ envWaiting: 1, envHolding: 1 }))).toEqual({ kind: 'take-reserve' })
  })

  it('takes a reserve even with the environment and the portal full (counts do not change)', () => {
    const full = input({ capacity: 2, envHolding: 2, envWaiting: 1, portalMaximum: 2, portalHolding: 2 })
    expect(planAllocation(full)).toEqual({ kind: 'take-reserve' })
  })

  describe('user cap', () => {
    it.each(['anonymous', 'registered'] as const)('caps %s users at userCap', (userKind) => {
      expect(planAllocation(input({ userKind, userCap: 2, userHolding: 1 }))).toEqual({ kind: 'create' })
      expect(planAllocation(input({ userKind, userCap: 2, userHolding: 2 }))).toEqual({
        kind: 'unavailable',
        reason: 'user-cap',
      })
      expect(planAllocation(input({ userKind, userCap: 2, userHolding: 3 }))).toMatchObject({
        reason: 'user-cap',
      })
    })

    it.each(['staff', 'robot'] as const)('never caps %s', (userKind) => {
      expect(planAllocation(input({ userKind, userCap: 1, userHolding: 50 }))).toEqual({ kind: 'create' })
      expect(planAllocation(input({ userKind, userCap: 1, userHolding: 50, envWaiting: 1 }))).toEqual({
        kind: 'take-reserve',
      })
    })

    it('0 means unlimited', () => {
      expect(planAllocation(input({ userCap: 0, userHolding: 1000 }))).toEqual({ kind: 'create' })
    })

    it('is checked before taking a reserve', () => {
      expect(planAllocation(input({ userCap: 1, userHolding: 1, envWaiting: 3 }))).toMatchObject({
        reason: 'user-cap',
      })
    })
  })

  describe('capacity', () => {
    it('refuses to create at capacity', () => {
      expect(planAllocation(input({ capacity: 3, envHolding: 2 }))).toEqual({ kind: 'create' })
      expect(planAllocation(input({ capacity: 3, envHolding: 3 }))).toEqual({
        kind: 'unavailable',
        reason: 'capacity',
      })
      expect(planAllocation(input({ capacity: 3, envHolding: 4 }))).toMatchObject({ reason: 'capacity' })
    })
    it('0 means unlimited', () => {
      expect(planAllocation(input({ capacity: 0, envHolding: 10_000 }))).toEqual({ kind: 'create' })
    })
    it('is checked before the portal maximum and never evicts for it', () => {
      const i = input({
        capacity: 1,
        envHolding: 1,
        portalMaximum: 1,
        portalHolding: 1,
        oldestEvictableReserve: 'x',
      })
      expect(planAllocation(i)).toEqual({ kind: 'unavailable', reason: 'capacity' })
    })
  })

  describe('portal maximum', () => {
    it('creates below the maximum without evicting', () => {
      const i = input({ portalMaximum: 5, portalHolding: 4, oldestEvictableReserve: 'other-s001' })
      expect(planAllocation(i)).toEqual({ kind: 'create' })
    })
    it('evicts the oldest reserve when the portal is exactly at its maximum', () => {
      const i = input({ portalMaximum: 5, portalHolding: 5, oldestEvictableReserve: 'other-s001' })
      expect(planAllocation(i)).toEqual({ kind: 'create', evict: 'other-s001' })
    })
    it('is unavailable at the maximum with nothing to evict', () => {
      const i = input({ portalMaximum: 5, portalHolding: 5 })
      expect(planAllocation(i)).toEqual({ kind: 'unavailable', reason: 'maximum' })
    })
    it('does not evict when over the maximum, since one eviction would not make room', () => {
      const i = input({ portalMaximum: 5, portalHolding: 6, oldestEvictableReserve: 'other-s001' })
      expect(planAllocation(i)).toEqual({ kind: 'unavailable', reason: 'maximum' })
    })
    it('0 means unlimited', () => {
      const i = input({ portalMaximum: 0, portalHolding: 10_000, oldestEvictableReserve: 'x' })
      expect(planAllocation(i)).toEqual({ kind: 'create' })
    })
    it('does not need eviction when a reserve can be taken', () => {
      const i = input({
        envWaiting: 1,
        portalMaximum: 5,
        portalHolding: 5,
        oldestEvictableReserve: 'other-s001',
      })
      expect(planAllocation(i)).toEqual({ kind: 'take-reserve' })
    })
  })

  it('everything unlimited always creates or takes', () => {
    const kinds: UserKind[] = ['anonymous', 'registered', 'robot', 'staff']
    for (const userKind of kinds) {
      const i = input({
        userKind,
        capacity: 0,
        portalMaximum: 0,
        userCap: 0,
        envHolding: 99,
        portalHolding: 99,
        userHolding: 99,
      })
      expect(planAllocation(i)).toEqual({ kind: 'create' })
      expect(planAllocation({ ...i, envWaiting: 2 })).toEqual({ kind: 'take-reserve' })
    }
  })
})

describe('reservesToStart', () => {
  const base = {
    capacity: 10,
    reserved: 2,
    envHolding: 0,
    envUnallocated: 0,
    portalMaximum: 0,
    portalHolding: 0,
  }

  it('tops up to `reserved` unallocated sessions', () => {
    expect(reservesToStart(base)).toBe(2)
    expect(reservesToStart({ ...base, envHolding: 1, envUnallocated: 1 })).toBe(1)
    expect(reservesToStart({ ...base, envHolding: 5, envUnallocated: 2 })).toBe(0)
  })
  it('never negative when there are more reserves than wanted', () => {
    expect(reservesToStart({ ...base, envHolding: 4, envUnallocated: 4 })).toBe(0)
    expect(reservesToStart({ ...base, reserved: 0 })).toBe(0)
  })
  it('stays within capacity', () => {
    expect(reservesToStart({ ...base, capacity: 3, envHolding: 2 })).toBe(1)
    expect(reservesToStart({ ...base, capacity: 3, envHolding: 3 })).toBe(0)
    expect(reservesToStart({ ...base, capacity: 3, envHolding: 4 })).toBe(0)
  })
  it('stays within the portal maximum', () => {
    expect(reservesToStart({ ...base, portalMaximum: 10, portalHolding: 8 })).toBe(2)
    expect(reservesToStart({ ...base, portalMaximum: 10, portalHolding: 9 })).toBe(1)
    expect(reservesToStart({ ...base, portalMaximum: 10, portalHolding: 10 })).toBe(0)
    expect(reservesToStart({ ...base, portalMaximum: 10, portalHolding: 12 })).toBe(0)
  })
  it('takes the tighter of capacity and maximum', () => {
    const i = { ...base, reserved: 5, capacity: 4, envHolding: 1, portalMaximum: 10, portalHolding: 8 }
    expect(reservesToStart(i)).toBe(2)
    expect(reservesToStart({ ...i, portalHolding: 5 })).toBe(3)
  })
  it('0 caps are unlimited', () => {
    expect(reservesToStart({ ...base, capacity: 0, reserved: 50, envHolding: 1000 })).toBe(50)
  })
})

describe('reserveTarget', () => {
  it.each([
    // reserved, initial, requested, target
    [3, 1, false, 1],
    [3, 5, false, 3],
    [3, 0, false, 0],
    [3, 1, true, 3],
    [0, 2, false, 0],
    [0, 2, true, 0],
  ])('reserved %s, initial %s, requested %s: %s', (reserved, initial, requested, target) => {
    expect(reserveTarget({ reserved, initial }, requested)).toBe(target)
  })
})

describe('reserveRoom', () => {
  const counts = (portalHolding: number, env?: { holding: number; unallocated: number }): SessionCounts => ({
    portalHolding,
    environments: new Map(env ? [['e', { ...env, waiting: env.unallocated, allocated: 0 }]] : []),
  })
  const limits = { capacity: 10, target: 2, portalMaximum: 0 }

  it('is reservesToStart over the counts of the environment and the portal', () => {
    expect(reserveRoom('e', limits, counts(0))).toBe(2)
    expect(reserveRoom('e', limits, counts(1, { holding: 1, unallocated: 1 }))).toBe(1)
    expect(reserveRoom('e', { ...limits, capacity: 3 }, counts(2, { holding: 2, unallocated: 0 }))).toBe(1)
    expect(reserveRoom('e', { ...limits, portalMaximum: 5 }, counts(4))).toBe(1)
    expect(reserveRoom('e', { ...limits, portalMaximum: 5 }, counts(5))).toBe(0)
  })
  it('reads only its own environment', () => {
    expect(reserveRoom('other', limits, counts(1, { holding: 1, unallocated: 2 }))).toBe(2)
  })
})
