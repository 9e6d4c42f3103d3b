import { describe, expect, it } from 'vitest'
import { parseMemorySize } from './memory-size.js'

describe('parseMemorySize', () => {
  it.each([
    ['512Mi', 512 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['64Ki', 64 * 1024],
    ['100M', 100_000_000],
    ['2G', 2_000_000_000],
    ['500k', 500_000],
    ['4096', 4096],
    [0, 0],
    [1048576, 1048576],
  ])('reads %j as %i bytes', (value, bytes) => {
    expect(parseMemorySize(value)).toBe(bytes)
  })

  it.each([['lots'], ['1.5Gi'], ['-1Mi'], ['1GB'], ['1mi'], [-1], [0.5], [true], [null]])(
    'rejects %j',
    (value) => {
      expect(() => parseMemorySize(value)).toThrow(
        /expected a memory size like "512Mi", "1Gi", "100M" or bytes, got/,
      )
    },
  )
})
