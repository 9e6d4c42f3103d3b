import { expect, it } from 'vitest'
import { inWords } from './time-left.js'

it('says a duration in words, rounded down to the minute', () => {
  expect(inWords(-5000)).toBe('less than a minute')
  expect(inWords(59_999)).toBe('less than a minute')
  expect(inWords(60_000)).toBe('1 minute')
  expect(inWords(45 * 60_000 + 59_000)).toBe('45 minutes')
  expect(inWords(60 * 60_000)).toBe('1 hour')
  expect(inWords(125 * 60_000)).toBe('2 hours 5 minutes')
  expect(inWords(24 * 3600_000)).toBe('1 day')
  expect(inWords((3 * 24 + 4) * 3600_000 + 59 * 60_000)).toBe('3 days 4 hours')
})
