import { describe, expect, it } from 'vitest'
import { histogram, parsePrometheusText, sampleValue } from '../../test/prometheus-text.js'
import { PrometheusMetrics } from './prometheus-metrics.js'

const make = (terminals = 0) =>
  new PrometheusMetrics({
    sessions: async () => [
      { environment: 'lab-w01', state: 'RUNNING', count: 2 },
      { environment: 'lab-w01', state: 'WAITING', count: 1 },
    ],
    terminalsOpen: () => terminals,
  })

describe('PrometheusMetrics', () => {
  it('keeps a registry per instance: two in one process count apart', async () => {
    const a = make(3)
    const b = make()
    a.allocation('allocated', 0.004)
    a.allocation('refused', 0.002)
    a.unavailable('/workshops/environment/:env/request/')
    b.allocation('error', 1)
    const ma = parsePrometheusText(await a.scrape())
    const mb = parsePrometheusText(await b.scrape())
    expect(sampleValue(ma, 'labgate_allocations_total', { outcome: 'allocated' })).toBe(1)
    expect(sampleValue(mb, 'labgate_allocations_total', { outcome: 'allocated' })).toBe(0)
    expect(sampleValue(mb, 'labgate_allocations_total', { outcome: 'error' })).toBe(1)
    expect(histogram(ma, 'labgate_allocation_duration_seconds', { outcome: 'allocated' })).toMatchObject({
      count: 1,
      sum: 0.004,
    })
    expect(
      sampleValue(ma, 'labgate_http_unavailable_total', { route: '/workshops/environment/:env/request/' }),
    ).toBe(1)
    expect(sampleValue(ma, 'labgate_terminals_open')).toBe(3)
    expect(sampleValue(mb, 'labgate_terminals_open')).toBe(0)
  })

  it('reads sessions at scrape time, every state of an environment present', async () => {
    const m = parsePrometheusText(await make().scrape())
    expect(sampleValue(m, 'labgate_sessions', { environment: 'lab-w01', state: 'RUNNING' })).toBe(2)
    expect(sampleValue(m, 'labgate_sessions', { environment: 'lab-w01', state: 'WAITING' })).toBe(1)
    expect(sampleValue(m, 'labgate_sessions', { environment: 'lab-w01', state: 'STOPPED' })).toBe(0)
    expect(m.get('labgate_sessions')!.samples).toHaveLength(5)
  })

  it('gives every labgate metric a HELP text and the prefix', async () => {
    const a = make()
    a.sandboxStarted(1.5)
    a.reconcilerPass('full', 0.01)
    a.webhookFailed()
    a.dbCommit(0.002)
    const m = parsePrometheusText(await a.scrape())
    const ours = [...m.values()].filter((f) => f.name.startsWith('labgate_'))
    expect(ours.map((f) => f.name).sort()).toEqual([
      'labgate_allocation_duration_seconds',
      'labgate_allocations_total',
      'labgate_db_commit_duration_seconds',
      'labgate_http_unavailable_total',
      'labgate_reconciler_pass_duration_seconds',
      'labgate_sandbox_start_duration_seconds',
      'labgate_sessions',
      'labgate_terminals_open',
      'labgate_webhook_failures_total',
    ])
    for (const f of ours) expect(f.help, f.name).toMatch(/\w{3,}/)
    expect(histogram(m, 'labgate_sandbox_start_duration_seconds')?.count).toBe(1)
    expect(histogram(m, 'labgate_reconciler_pass_duration_seconds', { kind: 'full' })?.count).toBe(1)
    expect(sampleValue(m, 'labgate_webhook_failures_total')).toBe(1)
    expect(histogram(m, 'labgate_db_commit_duration_seconds')?.sum).toBe(0.002)
    expect(m.has('nodejs_eventloop_lag_seconds')).toBe(true)
  })
})
