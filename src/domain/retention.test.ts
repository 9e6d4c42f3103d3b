import { describe, expect, it } from 'vitest'
import { isPurgeable } from './retention.js'

const T = Date.UTC(2026, 0, 1)

describe('isPurgeable', () => {
  it('purges a STOPPED row once the retention has passed, boundary included', () => {
    const s = { state: 'STOPPED' as const, stoppedAt: T }
    expect(isPurgeable(s, 3600, T + 3600_000 - 1)).toBe(false)
    expect(isPurgeable(s, 3600, T + 3600_000)).toBe(true)
    expect(isPurgeable(s, 3600, T + 7200_000)).toBe(true)
  })
  it('with retention 0 purges at once', () => {
    expect(isPurgeable({ state: 'STOPPED', stoppedAt: T }, 0, T)).toBe(true)
  })
  it('never purges rows that are not STOPPED or have no stop time', () => {
    for (const state of ['STARTING', 'WAITING', 'RUNNING', 'STOPPING'] as const) {
      expect(isPurgeable({ state, stoppedAt: T }, 0, T + 1e9)).toBe(false)
    }
    expect(isPurgeable({ state: 'STOPPED', stoppedAt: null }, 0, T + 1e9)).toBe(false)
  })
})
