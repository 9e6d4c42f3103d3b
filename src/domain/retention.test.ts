import { describe, expect, it } from 'vitest'
import { ManualClock } from './clock.js'
import { purgeCutoff } from './retention.js'

describe('purgeCutoff', () => {
  const clock = new ManualClock(Date.UTC(2026, 0, 1))
  const stoppedAt = clock.now()
  // A row is purged when it stopped before the cutoff (the store deletes `stoppedAt < cutoff`).
  const purged = (retention: number) => stoppedAt < purgeCutoff(retention, clock.now())

  it.each([
    // retention (s), ms since the row stopped, purged
    [3600, 0, false],
    [3600, 3600_000 - 1, false],
    [3600, 3600_000, false],
    [3600, 3600_000 + 1, true],
    [3600, 7200_000, true],
    [0, 0, false],
    [0, 1, true],
    [86_400, 86_400_000 + 1, true],
  ])('retention %ss, %sms after stopping: purged %s', (retention, since, expected) => {
    clock.set(stoppedAt + since)
    expect(purged(retention)).toBe(expected)
  })

  it('is the pass time less the retention', () => {
    expect(purgeCutoff(60, 1_000_000)).toBe(940_000)
    expect(purgeCutoff(0, 1_000_000)).toBe(1_000_000)
  })
})
