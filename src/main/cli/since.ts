import { parseDuration } from '../../config/duration.js'
import { badRequest } from '../../domain/errors.js'

const BACK = /^(\d+)([smhd])$/
const ISO = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/

/**
 * The time (ms) a `--since` option names: an ISO 8601 time (`2026-12-01`, `2026-12-01T08:00:00Z`; a date
 * alone is midnight UTC) or a duration back from `now` (`90s`, `30m`, `24h`, `7d`). Throws bad_request
 * saying what it accepts for anything else, a bare number included (seconds or milliseconds?).
 */
export function parseSince(text: string, now: number): number {
  const t = text.trim()
  const back = BACK.exec(t)
  if (back) {
    const [, n, unit] = back
    const seconds = unit === 'd' ? parseDuration(`${Number(n) * 24}h`) : parseDuration(t)
    return now - seconds * 1000
  }
  if (ISO.test(t)) {
    const at = Date.parse(t)
    if (Number.isFinite(at)) return at
  }
  throw badRequest(
    `--since must be an ISO time (2026-12-01, 2026-12-01T08:00:00Z) or a duration back from now (90m, 24h, 7d), got "${text}"`,
  )
}
