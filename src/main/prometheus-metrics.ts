/**
 * The metrics port over prom-client, the one module that imports it. Each labgate has its own registry
 * (several may run in one process, as in tests), holding labgate's metrics (prefix `labgate_`) and
 * prom-client's default Node.js process metrics (event-loop lag, heap, GC, CPU; under their usual names).
 * docs/operations.md lists them.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import { SESSION_STATES } from '../domain/session-states.js'
import type { SessionState } from '../domain/types.js'
import type { AllocationOutcome, Metrics, ReconcilerPassKind } from '../metrics.js'

/** What is read when Prometheus scrapes rather than counted as it happens. */
export interface MetricSources {
  /** The portal's sessions by environment and state (one grouped query). */
  sessions: () => Promise<{ environment: string; state: SessionState; count: number }[]>
  /** Terminals open now. */
  terminalsOpen: () => number
}

/** The prom-client implementation of `Metrics`, with the registry `/metrics` exposes. */
export class PrometheusMetrics implements Metrics {
  readonly registry = new Registry()
  readonly #allocations: Counter<'outcome'>
  readonly #allocationSeconds: Histogram<'outcome'>
  readonly #unavailable: Counter<'route'>
  readonly #sandboxStart: Histogram
  readonly #reconcilerPass: Histogram<'kind'>
  readonly #webhookFailures: Counter
  readonly #dbCommit: Histogram

  constructor(sources: MetricSources) {
    const registers = [this.registry]
    new Gauge({
      name: 'labgate_sessions',
      help: 'Lab sessions with a row in the database (ended ones until purged), by environment and state.',
      labelNames: ['environment', 'state'],
      registers,
      async collect() {
        const rows = await sources.sessions()
        this.reset()
        // Every state of each environment seen, so a state that empties reads 0 rather than vanishing.
        for (const environment of new Set(rows.map((r) => r.environment)))
          for (const state of SESSION_STATES) this.set({ environment, state }, 0)
        for (const r of rows) this.set({ environment: r.environment, state: r.state }, r.count)
      },
    })
    this.#allocations = new Counter({
      name: 'labgate_allocations_total',
      help: 'Session requests (the Educates request-session use case), by outcome: allocated, refused (503 No session available) or error.',
      labelNames: ['outcome'],
      registers,
    })
    this.#allocationSeconds = new Histogram({
      name: 'labgate_allocation_duration_seconds',
      help: 'Time to answer a session request, from the use case being called until it returned or threw, by outcome.',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    })
    // Every outcome from the start, so a rate over them needs no series to appear first.
    for (const outcome of ['allocated', 'refused', 'error'] as const) {
      this.#allocations.inc({ outcome }, 0)
      this.#allocationSeconds.zero({ outcome })
    }
    this.#unavailable = new Counter({
      name: 'labgate_http_unavailable_total',
      help: 'HTTP responses with status 503 (no session available, starting, shutting down, backend failed), by route pattern.',
      labelNames: ['route'],
      registers,
    })
    this.#sandboxStart = new Histogram({
      name: 'labgate_sandbox_start_duration_seconds',
      help: 'Time for the backend to bring a session sandbox up, from the start being asked of it until it answered.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    })
    this.#reconcilerPass = new Histogram({
      name: 'labgate_reconciler_pass_duration_seconds',
      help: 'Time of a reconciler pass, by kind: adopt (start-up), full (periodic) or light (after a nudge).',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    })
    this.#webhookFailures = new Counter({
      name: 'labgate_webhook_failures_total',
      help: 'Analytics webhook posts that failed: timed out, a network error, or a non-2xx answer.',
      registers,
    })
    new Gauge({
      name: 'labgate_terminals_open',
      help: 'Terminals (shells in session sandboxes) open now.',
      registers,
      collect() {
        this.set(sources.terminalsOpen())
      },
    })
    this.#dbCommit = new Histogram({
      name: 'labgate_db_commit_duration_seconds',
      help: 'Time of a database transaction from being asked for until its writes were durable (SQLite: group commit wait included).',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    })
    collectDefaultMetrics({ register: this.registry })
  }

  /** The Content-Type of {@link scrape}'s text. */
  get contentType(): string {
    return this.registry.contentType
  }

  /** Every metric in the Prometheus text exposition format; rejects when a scrape-time read fails. */
  scrape(): Promise<string> {
    return this.registry.metrics()
  }

  allocation(outcome: AllocationOutcome, seconds: number): void {
    this.#allocations.inc({ outcome })
    this.#allocationSeconds.observe({ outcome }, seconds)
  }

  sandboxStarted(seconds: number): void {
    this.#sandboxStart.observe(seconds)
  }

  reconcilerPass(kind: ReconcilerPassKind, seconds: number): void {
    this.#reconcilerPass.observe({ kind }, seconds)
  }

  webhookFailed(): void {
    this.#webhookFailures.inc()
  }

  dbCommit(seconds: number): void {
    this.#dbCommit.observe(seconds)
  }

  unavailable(route: string): void {
    this.#unavailable.inc({ route })
  }
}
