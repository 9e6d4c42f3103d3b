import { describe, expect, it } from 'vitest'
import { LabgateError } from '../../domain/errors.js'
import { parseSince } from './since.js'

const NOW = Date.parse('2026-12-06T12:00:00Z')

describe('parseSince', () => {
  it('takes durations back from now', () => {
    expect(parseSince('90s', NOW)).toBe(NOW - 90_000)
    expect(parseSince('30m', NOW)).toBe(NOW - 30 * 60_000)
    expect(parseSince('24h', NOW)).toBe(Date.parse('2026-12-05T12:00:00Z'))
    expect(parseSince('7d', NOW)).toBe(Date.parse('2026-11-29T12:00:00Z'))
    expect(parseSince(' 1d ', NOW)).toBe(NOW - 86_400_000)
  })

  it('takes ISO times and dates (midnight UTC)', () => {
    expect(parseSince('2026-12-01T08:00:00Z', NOW)).toBe(Date.parse('2026-12-01T08:00:00Z'))
    expect(parseSince('2026-12-01T08:00:00+02:00', NOW)).toBe(Date.parse('2026-12-01T06:00:00Z'))
    expect(parseSince('2026-12-01', NOW)).toBe(Date.parse('2026-12-01T00:00:00Z'))
  })

  it('refuses anything else with what it accepts', () => {
    for (const bad of ['', 'yesterday', '3600', '7w', '-1h', '2026-13-45', '2026-12-01T25:00:00Z', 'h']) {
      let err: unknown
      try {
        parseSince(bad, NOW)
      } catch (e) {
        err = e
      }
      expect(err, bad).toBeInstanceOf(LabgateError)
      expect((err as Error).message).toContain('--since must be an ISO time')
    }
  })
})
