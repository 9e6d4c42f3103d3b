import { describeValue } from './describe-value.js'

const SIZE = /^(\d+)(Ki|Mi|Gi|Ti|k|K|M|G|T)?$/
const UNIT_BYTES: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
}

/**
 * Converts a Kubernetes-style memory quantity to bytes: `512Mi`, `1Gi` (binary), `100M`, `2G` (decimal), or
 * a plain non-negative integer number of bytes (number or digit string). `0` means unlimited.
 * Throws an `Error` whose message says what was expected and what was given.
 */
export function parseMemorySize(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value
  if (typeof value === 'string') {
    const match = SIZE.exec(value.trim())
    if (match) {
      const bytes = Number(match[1]) * (match[2] ? (UNIT_BYTES[match[2]] ?? 1) : 1)
      if (Number.isSafeInteger(bytes)) return bytes
    }
  }
  throw new Error(`expected a memory size like "512Mi", "1Gi", "100M" or bytes, got ${describeValue(value)}`)
}
