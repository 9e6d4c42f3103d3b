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

it('limits per user and per address; success resets only the user', () => {
  const clock = new ManualClock()
  const l = new SignInLimiter(clock, { perUser: rule, perAddress: { max: 5, windowMs: 60_000 } })
  for (let i = 0; i < 3; i++) l.failed('alice', '10.0.0.1')
  expect(l.retryAfter('alice', '10.0.0.2')).toBeGreaterThan(0)
  expect(l.retryAfter('bob', '10.0.0.1')).toBe(0)
  l.succeeded('alice')
  expect(l.retryAfter('alice', '10.0.0.2')).toBe(0)
  l.failed('bob', '10.0.0.1')
  l.failed('carol', '10.0.0.1')
  expect(l.retryAfter('dave', '10.0.0.1')).toBeGreaterThan(0)
  expect(l.retryAfter('dave', '10.0.0.9')).toBe(0)
  clock.advance(60_001)
  expect(l.retryAfter('dave', '10.0.0.1')).toBe(0)
})
