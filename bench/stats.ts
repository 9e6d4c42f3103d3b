/** Summaries of latency samples. */

export interface Summary {
  n: number
  min: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

/**
 * Nearest-rank percentile: the smallest sample with at least q of the samples at or below it. With fewer
 * than 100 samples, p99 is the maximum.
 */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.max(1, Math.ceil(q * sorted.length))
  return sorted[rank - 1]!
}

export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b)
  const sum = s.reduce((a, b) => a + b, 0)
  return {
    n: s.length,
    min: s[0] ?? NaN,
    p50: percentile(s, 0.5),
    p90: percentile(s, 0.9),
    p99: percentile(s, 0.99),
    max: s[s.length - 1] ?? NaN,
    mean: s.length ? sum / s.length : NaN,
  }
}

/** A number of ms with a precision that suits it: 0.42, 4.2, 42, 420. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return '–'
  if (v < 1) return v.toFixed(2)
  if (v < 10) return v.toFixed(1)
  return v.toFixed(0)
}

export function describe(s: Summary): string {
  return `n=${s.n} p50 ${ms(s.p50)} ms, p90 ${ms(s.p90)} ms, p99 ${ms(s.p99)} ms (min ${ms(s.min)}, max ${ms(s.max)}, mean ${ms(s.mean)})`
}

/** Milliseconds since an arbitrary origin, sub-millisecond. */
export const now = (): number => performance.now()
