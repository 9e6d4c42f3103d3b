import { describe, expect, it } from 'vitest'
import { isOrphaned } from './orphan.js'

const T = Date.UTC(2026, 0, 1)
const S = 1000
const base = { allocatedAt: T, lastActivityAt: null, lastViewAt: null }

describe('isOrphaned', () => {
  it('never with orphaned 0 or when not allocated', () => {
    expect(isOrphaned(base, 0, T + 1e10)).toBe(false)
    expect(isOrphaned({ ...base, allocatedAt: null }, 60, T + 1e10)).toBe(false)
    expect(isOrphaned({ allocatedAt: null, lastActivityAt: T, lastViewAt: T }, 60, T + 1e10)).toBe(false)
  })
  it('counts idle time from allocation; exactly orphaned is orphaned', () => {
    expect(isOrphaned(base, 60, T + 60 * S - 1)).toBe(false)
    expect(isOrphaned(base, 60, T + 60 * S)).toBe(true)
  })
  it('counts idle time from the last activity when later than allocation', () => {
    const s = { ...base, lastActivityAt: T + 100 * S, lastViewAt: T + 100 * S }
    expect(isOrphaned(s, 60, T + 159 * S)).toBe(false)
    expect(isOrphaned(s, 60, T + 160 * S)).toBe(true)
  })
  it('ignores activity from before the allocation (a reserve that waited)', () => {
    const s = { allocatedAt: T, lastActivityAt: T - 3600 * S, lastViewAt: T - 3600 * S }
    expect(isOrphaned(s, 60, T + 59 * S)).toBe(false)
    expect(isOrphaned(s, 60, T + 60 * S)).toBe(true)
  })
  it('is orphaned when unseen for 3 × orphaned even with recent activity', () => {
    const s = { ...base, lastViewAt: T + 10 * S }
    const active = (now: number) => ({ ...s, lastActivityAt: now - S })
    expect(isOrphaned(active(T + 190 * S - 1), 60, T + 190 * S - 1)).toBe(false)
    expect(isOrphaned(active(T + 190 * S), 60, T + 190 * S)).toBe(true)
  })
  it('unseen counts from allocation when never viewed', () => {
    const busy = (now: number) => ({ ...base, lastActivityAt: now - S })
    expect(isOrphaned(busy(T + 180 * S - 1), 60, T + 180 * S - 1)).toBe(false)
    expect(isOrphaned(busy(T + 180 * S), 60, T + 180 * S)).toBe(true)
  })
})
