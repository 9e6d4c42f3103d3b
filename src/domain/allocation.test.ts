import { describe, expect, it } from 'vitest'
import { initialReserves, planAllocation, reservesToStart, type AllocationInput } from './allocation.js'
import type { UserKind } from './types.js'

function input(over: Partial<AllocationInput> = {}): AllocationInput {
  return {
    capacity: 10,
    envLive: 0,
    envWaiting: 0,
    portalMaximum: 0,
    portalLive: 0,
    oldestEvictableReserve: null,
    userKind: 'anonymous',
    userCap: 0,
    userActive: 0,
    ...over,
  }
}

describe('planAllocation', () => {
  it('creates when nothing is reserved and there is room', () => {
    expect(planAllocation(input())).toEqual({ kind: 'create' })
  })

  it('takes a reserve when one is waiting', () => {
    expect(planAllocation(input({ envWaiting: 1, envLive: 1 }))).toEqual({ kind: 'take-reserve' })
  })

  it('takes a reserve even with the environment and the portal full (counts do not change)', () => {
    const full = input({ capacity: 2, envLive: 2, envWaiting: 1, portalMaximum: 2, portalLive: 2 })
    expect(planAllocation(full)).toEqual({ kind: 'take-reserve' })
  })

  describe('user cap', () => {
    it.each(['anonymous', 'registered'] as const)('caps %s users at userCap', (userKind) => {
      expect(planAllocation(input({ userKind, userCap: 2, userActive: 1 }))).toEqual({ kind: 'create' })
      expect(planAllocation(input({ userKind, userCap: 2, userActive: 2 }))).toEqual({
        kind: 'unavailable',
        reason: 'user-cap',
      })
      expect(planAllocation(input({ userKind, userCap: 2, userActive: 3 }))).toMatchObject({
        reason: 'user-cap',
      })
    })

    it.each(['staff', 'robot'] as const)('never caps %s', (userKind) => {
      expect(planAllocation(input({ userKind, userCap: 1, userActive: 50 }))).toEqual({ kind: 'create' })
      expect(planAllocation(input({ userKind, userCap: 1, userActive: 50, envWaiting: 1 }))).toEqual({
        kind: 'take-reserve',
      })
    })

    it('0 means unlimited', () => {
      expect(planAllocation(input({ userCap: 0, userActive: 1000 }))).toEqual({ kind: 'create' })
    })

    it('is checked before taking a reserve', () => {
      expect(planAllocation(input({ userCap: 1, userActive: 1, envWaiting: 3 }))).toMatchObject({
        reason: 'user-cap',
      })
    })
  })

  describe('capacity', () => {
    it('refuses to create at capacity', () => {
      expect(planAllocation(input({ capacity: 3, envLive: 2 }))).toEqual({ kind: 'create' })
      expect(planAllocation(input({ capacity: 3, envLive: 3 }))).toEqual({
        kind: 'unavailable',
        reason: 'capacity',
      })
      expect(planAllocation(input({ capacity: 3, envLive: 4 }))).toMatchObject({ reason: 'capacity' })
    })
    it('0 means unlimited', () => {
      expect(planAllocation(input({ capacity: 0, envLive: 10_000 }))).toEqual({ kind: 'create' })
    })
    it('is checked before the portal maximum and never evicts for it', () => {
      const i = input({
        capacity: 1,
        envLive: 1,
        portalMaximum: 1,
        portalLive: 1,
        oldestEvictableReserve: 'x',
      })
      expect(planAllocation(i)).toEqual({ kind: 'unavailable', reason: 'capacity' })
    })
  })

  describe('portal maximum', () => {
    it('creates below the maximum without evicting', () => {
      const i = input({ portalMaximum: 5, portalLive: 4, oldestEvictableReserve: 'other-s001' })
      expect(planAllocation(i)).toEqual({ kind: 'create' })
    })
    it('evicts the oldest reserve when the portal is exactly at its maximum', () => {
      const i = input({ portalMaximum: 5, portalLive: 5, oldestEvictableReserve: 'other-s001' })
      expect(planAllocation(i)).toEqual({ kind: 'create', evict: 'other-s001' })
    })
    it('is unavailable at the maximum with nothing to evict', () => {
      const i = input({ portalMaximum: 5, portalLive: 5 })
      expect(planAllocation(i)).toEqual({ kind: 'unavailable', reason: 'maximum' })
    })
    it('does not evict when over the maximum, since one eviction would not make room', () => {
      const i = input({ portalMaximum: 5, portalLive: 6, oldestEvictableReserve: 'other-s001' })
      expect(planAllocation(i)).toEqual({ kind: 'unavailable', reason: 'maximum' })
    })
    it('0 means unlimited', () => {
      const i = input({ portalMaximum: 0, portalLive: 10_000, oldestEvictableReserve: 'x' })
      expect(planAllocation(i)).toEqual({ kind: 'create' })
    })
    it('does not need eviction when a reserve can be taken', () => {
      const i = input({
        envWaiting: 1,
        portalMaximum: 5,
        portalLive: 5,
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
        envLive: 99,
        portalLive: 99,
        userActive: 99,
      })
      expect(planAllocation(i)).toEqual({ kind: 'create' })
      expect(planAllocation({ ...i, envWaiting: 2 })).toEqual({ kind: 'take-reserve' })
    }
  })
})

describe('reservesToStart', () => {
  const base = { capacity: 10, reserved: 2, envLive: 0, envUnallocated: 0, portalMaximum: 0, portalLive: 0 }

  it('tops up to `reserved` unallocated sessions', () => {
    expect(reservesToStart(base)).toBe(2)
    expect(reservesToStart({ ...base, envLive: 1, envUnallocated: 1 })).toBe(1)
    expect(reservesToStart({ ...base, envLive: 5, envUnallocated: 2 })).toBe(0)
  })
  it('never negative when there are more reserves than wanted', () => {
    expect(reservesToStart({ ...base, envLive: 4, envUnallocated: 4 })).toBe(0)
    expect(reservesToStart({ ...base, reserved: 0 })).toBe(0)
  })
  it('stays within capacity', () => {
    expect(reservesToStart({ ...base, capacity: 3, envLive: 2 })).toBe(1)
    expect(reservesToStart({ ...base, capacity: 3, envLive: 3 })).toBe(0)
    expect(reservesToStart({ ...base, capacity: 3, envLive: 4 })).toBe(0)
  })
  it('stays within the portal maximum', () => {
    expect(reservesToStart({ ...base, portalMaximum: 10, portalLive: 8 })).toBe(2)
    expect(reservesToStart({ ...base, portalMaximum: 10, portalLive: 9 })).toBe(1)
    expect(reservesToStart({ ...base, portalMaximum: 10, portalLive: 10 })).toBe(0)
    expect(reservesToStart({ ...base, portalMaximum: 10, portalLive: 12 })).toBe(0)
  })
  it('takes the tighter of capacity and maximum', () => {
    const i = { ...base, reserved: 5, capacity: 4, envLive: 1, portalMaximum: 10, portalLive: 8 }
    expect(reservesToStart(i)).toBe(2)
    expect(reservesToStart({ ...i, portalLive: 5 })).toBe(3)
  })
  it('0 caps are unlimited', () => {
    expect(reservesToStart({ ...base, capacity: 0, reserved: 50, envLive: 1000 })).toBe(50)
  })
})

describe('initialReserves', () => {
  const counts = { envLive: 0, portalMaximum: 0, portalLive: 0 }
  it('is `initial` when there is room', () => {
    expect(initialReserves({ initial: 3, capacity: 10 }, counts)).toBe(3)
    expect(initialReserves({ initial: 0, capacity: 10 }, counts)).toBe(0)
    expect(initialReserves({ initial: 3, capacity: 0 }, counts)).toBe(3)
  })
  it('stays within capacity and the portal maximum', () => {
    expect(initialReserves({ initial: 5, capacity: 3 }, counts)).toBe(3)
    expect(initialReserves({ initial: 5, capacity: 10 }, { ...counts, envLive: 8 })).toBe(2)
    expect(
      initialReserves({ initial: 5, capacity: 10 }, { ...counts, portalMaximum: 6, portalLive: 4 }),
    ).toBe(2)
    expect(
      initialReserves({ initial: 5, capacity: 10 }, { ...counts, portalMaximum: 6, portalLive: 7 }),
    ).toBe(0)
  })
})
