/**
 * A fixed-duration load test with autocannon's programmatic API. It runs in the bench process, which is
 * not labgate's: labgate is a child process of its own, so generator and server never share an event loop.
 */
import autocannon from 'autocannon'
import { summarize, type Summary } from './stats.js'

export interface LoadOptions {
  url: string
  headers: Record<string, string>
  connections: number
  durationS: number
  /** Called about once a second with the requests answered in that second. */
  onSecond?: (second: number, answered: number) => void
}

export interface LoadResult {
  /** Mean answered requests per second over the run (autocannon's `requests.average`). */
  rps: number
  total: number
  durationS: number
  /** Per-request latency from autocannon's own (fractional) response times, in ms. */
  latency: Summary
  /** autocannon's histogram percentiles, which it records in whole milliseconds. */
  autocannonLatency: { p50: number; p99: number; mean: number }
  non2xx: number
  errors: number
  timeouts: number
  statusCodes: Record<string, number>
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const times = new Float64Array(2_000_000)
  let n = 0
  let second = 0
  const inst = autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationS,
    pipelining: 1,
    timeout: 10,
    headers: o.headers,
  })
  inst.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => {
    if (n < times.length) times[n++] = ms
  })
  inst.on('tick', (t: { counter: number }) => {
    // autocannon ticks once more as it stops; that tick reports nothing new.
    if (++second <= o.durationS) o.onSecond?.(second, t.counter)
  })
  const r = await inst
  const statusCodes: Record<string, number> = {}
  for (const [code, v] of Object.entries(r.statusCodeStats)) statusCodes[code] = v.count
  return {
    rps: r.requests.average,
    total: r.requests.total,
    durationS: r.duration,
    latency: summarize(Array.from(times.subarray(0, n))),
    autocannonLatency: { p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.mean },
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    statusCodes,
  }
}
