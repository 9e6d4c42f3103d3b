import { expect, it } from 'vitest'
import { ManualClock } from '../domain/clock.js'
import { SignInLimiter, WindowCounter } from './sign-in-limits.js'

const rule = { max: 3, windowMs: 60_000 }

it('blocks a key after max events until the oldest leaves the window', () => {
  const clock = new ManualClock()
  const c = new WindowCounter(clock, rule)
  c.add('k')
  clock.advance(10_000)
  c.add('k')
  expect(c.retryAfter('k')).toBe(0)
  c.add('k')
  expect(c.retryAfter('k')).toBe(50)
  expect(c.retryAfter('other')).toBe(0)
  clock.advance(50_000)
  expect(c.retryAfter('k')).toBe(0)
  c.add('k')
  expect(c.retryAfter('k')).toBe(10)
  c.reset('k')
  expect(c.retryAfter('k')).toBe(0)
})

it('keeps at most maxKeys keys, dropping the least recent', () => {
  const clock = new ManualClock()
  const c = new WindowCounter(clock, { max: 1, windowMs: 60_000 }, 2)
  c.add('a')
  c.add('b')
  c.add('c')
  expect(c.retryAfter('a')).toBe(0)
  expect(c.retryAfter('b')).toBeGreaterThan(0)
  expect(c.retryAfter('c')).toBeGreaterThan(0)
})

it('slows one account from one address, never the account from another address', () => {
  const clock = new ManualClock()
  const limits = {
    freeFailures: 2,
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    forgetAfterMs: 60_000,
    perAddress: { max: 100, windowMs: 60_000 },
  }
  const l = new SignInLimiter(clock, limits)
  l.failed('admin', '10.0.0.1')
  l.failed('admin', '10.0.0.1')
  expect(l.retryAfter('admin', '10.0.0.1')).toBe(0)
  const waits: number[] = []
  for (let i = 0; i < 6; i++) {
    l.failed('admin', '10.0.0.1')
    waits.push(l.retryAfter('admin', '10.0.0.1'))
  }
  expect(waits).toEqual([1, 2, 4, 8, 8, 8]) // doubles, capped
  expect(l.retryAfter('admin', '10.0.0.2')).toBe(0)
  expect(l.retryAfter('bob', '10.0.0.1')).toBe(0)
  clock.advance(8000)
  expect(l.retryAfter('admin', '10.0.0.1')).toBe(0)
  l.succeeded('admin', '10.0.0.1')
  l.failed('admin', '10.0.0.1')
  expect(l.retryAfter('admin', '10.0.0.1')).toBe(0)
  l.failed('admin', '10.0.0.1')
  l.failed('admin', '10.0.0.1')
  clock.advance(60_001)
  expect(l.retryAfter('admin', '10.0.0.1')).toBe(0) // forgotten
})

it('limits an address across accounts in a window', () => {
  const clock = new ManualClock()
  const l = new SignInLimiter(clock, {
    freeFailures: 10,
    baseDelayMs: 1000,
    maxDelayMs: 8000,
    forgetAfterMs: 60_000,
    perAddress: { max: 3, windowMs: 60_000 },
  })
  for (const u of ['a', 'b', 'c']) l.failed(u, '10.0.0.1')
  expect(l.retryAfter('dave', '10.0.0.1')).toBeGreaterThan(0)
  expect(l.retryAfter('dave', '10.0.0.9')).toBe(0)
  l.succeeded('a', '10.0.0.1') // success forgets the pair, not the address
  expect(l.retryAfter('a', '10.0.0.1')).toBeGreaterThan(0)
  clock.advance(60_001)
  expect(l.retryAfter('dave', '10.0.0.1')).toBe(0)
})
