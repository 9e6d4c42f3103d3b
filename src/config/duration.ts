import { describeValue } from './describe-value.js'

const DURATION = /^(\d+)(s|m|h)?$/
const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const

/**
 * Converts an Educates duration to whole seconds: a string `\d+(s|m|h)` ("90s", "30m", "2h"), or a plain
 * number of seconds given as a non-negative integer or a string of digits. `0` means "never"/"none".
 * Throws an `Error` whose message says what was expected and what was given; never returns NaN.
 */
export function parseDuration(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === 'string') {
    const match = DURATION.exec(value.trim())
    if (match) {
      const unit = (match[2] ?? 's') as keyof typeof UNIT_SECONDS
      const seconds = Number(match[1]) * UNIT_SECONDS[unit]
      if (Number.isSafeInteger(seconds)) return seconds
    }
  }
  throw new Error(`expected a duration like "90s", "30m", "2h" or whole seconds, got ${describeValue(value)}`)
}
