import { describe, expect, it } from 'vitest'
import { parseDuration } from './duration.js'

describe('parseDuration', () => {
  it.each([
    ['90s', 90],
    ['30m', 1800],
    ['2h', 7200],
    ['0', 0],
    ['0m', 0],
    ['45', 45],
    [' 10m ', 600],
    [0, 0],
    [3600, 3600],
  ])('reads %j as %i seconds', (value, seconds) => {
    expect(parseDuration(value)).toBe(seconds)
  })

  it.each([
    ['1h30m'],
    ['10 m'],
    ['-5m'],
    ['5d'],
    ['5M'],
    ['1.5h'],
    [''],
    [-1],
    [1.5],
    [true],
    [null],
    [[]],
    [{}],
  ])('rejects %j with a message saying what is expected', (value) => {
    expect(() => parseDuration(value)).toThrow(
      /expected a duration like "90s", "30m", "2h" or whole seconds, got/,
    )
  })

  it('quotes the bad value in its message', () => {
    expect(() => parseDuration('ten')).toThrow('got "ten"')
  })
})
