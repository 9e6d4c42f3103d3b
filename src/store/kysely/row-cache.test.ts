import { describe, expect, it } from 'vitest'
import type { Session } from '../rows.js'
import { RowCache } from './row-cache.js'

const row = (name: string, expiresAt: number) =>
  ({ name, expiresAt, params: {}, handle: { id: 'h' } }) as unknown as Session

describe('RowCache', () => {
  it('keeps a row read without a write in between, frozen', () => {
    const c = new RowCache<Session>()
    const g = c.begin()
    const kept = c.fill(g, row('s1', 1))
    expect(c.get('s1')).toBe(kept)
    expect(Object.isFrozen(kept) && Object.isFrozen(kept.params) && Object.isFrozen(kept.handle)).toBe(true)
  })

  it('refuses a row whose read began before a write to any session', () => {
    const c = new RowCache<Session>()
    const g = c.begin()
    c.invalidate('s2')
    expect(c.fill(g, row('s1', 1)).expiresAt).toBe(1) // the caller still gets what it read
    expect(c.get('s1')).toBeUndefined()
  })

  it('forgets a written session, and every session on clear', () => {
    const c = new RowCache<Session>()
    c.fill(c.begin(), row('s1', 1))
    c.fill(c.begin(), row('s2', 1))
    c.invalidate('s1')
    expect(c.get('s1')).toBeUndefined()
    expect(c.get('s2')).toBeDefined()
    c.clear()
    expect(c.size).toBe(0)
  })
})
