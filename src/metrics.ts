/**
 * The metrics port: the events operators count and time, as the code paths that see them report them.
 * One adapter (`src/main/prometheus-metrics.ts`) turns them into Prometheus metrics; code paths and tests
 * that do not care get {@link noMetrics}. Every method returns at once and never throws.
 */

/** How a session request ended: a session handed out, Educates' 503 "No session available", or else. */
export type AllocationOutcome = 'allocated' | 'refused' | 'error'

/** The reconciler's passes: the start-up adoption, a full pass, a nudge's light pass. */
export type ReconcilerPassKind = 'adopt' | 'full' | 'light'

export interface Metrics {
  /** A session request (the Educates request-session use case) ended with `outcome` after `seconds`. */
  allocation(outcome: AllocationOutcome, seconds: number): void
  /** A sandbox came up `seconds` after its start was asked of the backend. */
  sandboxStarted(seconds: number): void
  /** A reconciler pass of `kind` took `seconds` (failed passes included). */
  reconcilerPass(kind: ReconcilerPassKind, seconds: number): void
  /** An analytics webhook post failed (no answer in time, a network error, or a non-2xx status). */
  webhookFailed(): void
  /** A transaction took `seconds` from being asked for until its writes were durable (or it failed). */
  dbCommit(seconds: number): void
  /** An HTTP response with status 503 went out for `route` (the route's pattern). */
  unavailable(route: string): void
}

/** Metrics that go nowhere. */
export const noMetrics: Metrics = Object.freeze({
  allocation: () => {},
  sandboxStarted: () => {},
  reconcilerPass: () => {},
  webhookFailed: () => {},
  dbCommit: () => {},
  unavailable: () => {},
})

/** Seconds since `start`, a `performance.now()` reading. */
export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000
}
