/**
 * `GET /metrics` after real work: session requests (allocated and refused), sandbox starts, reconciler
 * passes, failing webhooks, a terminal started ahead, database commits. The exposition is parsed strictly
 * and its values checked against what happened and against the store.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { eventually, startHarness, type Harness } from '../harness.js'
import { histogram, parsePrometheusText, sampleValue, type Family } from '../prometheus-text.js'

let h: Harness
let sink: Server
let hooksReceived = 0

beforeAll(async () => {
  // A webhook that always answers 500: every delivery is a failure.
  sink = createServer((req, res) => {
    req.resume().on('end', () => {
      hooksReceived++
      res.statusCode = 500
      res.end('no')
    })
  })
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r))
  h = await startHarness({
    backend: 'fake',
    webhook: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/hook`,
    workshops: [{ name: 'w', capacity: 3, reserved: 1 }],
  })
})
afterAll(async () => {
  await h?.close()
  await new Promise<void>((r) => sink.close(() => r()))
})

async function scrape(headers: Record<string, string> = {}): Promise<Map<string, Family>> {
  const res = await fetch(`${h.url}/metrics`, { headers })
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
  return parsePrometheusText(await res.text())
}

const request = (user: string, token: string) =>
  fetch(`${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=${user}`, {
    headers: { authorization: `Bearer ${token}` },
  })

/** The store's sessions counted by environment and state, from the rows themselves (sorted keys). */
async function storeCounts(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {}
  for (const s of await h.lg.deps.store.listSessions({}))
    counts[`${s.environment}/${s.state}`] = (counts[`${s.environment}/${s.state}`] ?? 0) + 1
  return sorted(counts)
}

/** The non-zero samples of `labgate_sessions`, by `environment/state` (sorted keys). */
function sessionGauge(m: Map<string, Family>): Record<string, number> {
  const gauge: Record<string, number> = {}
  for (const s of m.get('labgate_sessions')!.samples)
    if (s.value > 0) gauge[`${s.labels.environment}/${s.labels.state}`] = s.value
  return sorted(gauge)
}

const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort())

describe('GET /metrics', () => {
  it('reflects allocations, refusals, starts, passes, webhooks, terminals and commits', async () => {
    await eventually('the reserve', async () =>
      (await h.lg.deps.store.listSessions({ states: ['WAITING'] })).length === 1 ? true : null,
    )
    const before = await scrape()
    for (const f of before.values()) expect(f.help, `HELP of ${f.name}`).toBeTruthy()
    const allocated = (m: Map<string, Family>) =>
      sampleValue(m, 'labgate_allocations_total', { outcome: 'allocated' })
    expect(allocated(before)).toBe(0)
    expect(histogram(before, 'labgate_reconciler_pass_duration_seconds', { kind: 'adopt' })?.count).toBe(1)

    const token = await h.token()
    // at once, before the taken reserve's replacement could start: capacity 3 refuses one of the four
    // with Educates' 503
    const answers = await Promise.all(['u1', 'u2', 'u3', 'u4'].map((user) => request(user, token)))
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 503])
    expect(await answers.find((r) => r.status === 503)!.json()).toEqual({ error: 'No session available' })
    // bad details: the use case refuses them with a 400, an allocation that ended in error
    const bad = await fetch(
      `${h.url}/workshops/environment/lab-w01/request/?index_url=https://hub.test/&user=u5&email=not-an-email`,
      { headers: { authorization: `Bearer ${token}` } },
    )
    expect(bad.status).toBe(400)

    await eventually('every session running', async () => {
      const live = await h.lg.deps.store.listSessions({ states: ['STARTING', 'WAITING', 'RUNNING'] })
      return live.length === 3 && live.every((s) => s.state === 'RUNNING')
    })
    await eventually('webhook deliveries', async () => hooksReceived > 0)
    await h.lg.reconciler.runPass()
    const after = await scrape()

    expect(allocated(after)).toBe(3)
    expect(sampleValue(after, 'labgate_allocations_total', { outcome: 'refused' })).toBe(1)
    expect(sampleValue(after, 'labgate_allocations_total', { outcome: 'error' })).toBe(1)
    const latency = histogram(after, 'labgate_allocation_duration_seconds', { outcome: 'allocated' })!
    expect(latency.count).toBe(3)
    expect(latency.sum).toBeGreaterThan(0)
    expect(histogram(after, 'labgate_allocation_duration_seconds', { outcome: 'refused' })?.count).toBe(1)
    expect(
      sampleValue(after, 'labgate_http_unavailable_total', { route: '/workshops/environment/:env/request/' }),
    ).toBe(1)

    // every session's sandbox started once (reserves and sessions created on demand: capacity 3 in all)
    const sessions = await h.lg.deps.store.listSessions({})
    expect(sessions).toHaveLength(3)
    expect(histogram(after, 'labgate_sandbox_start_duration_seconds')?.count).toBe(3)
    const full = histogram(after, 'labgate_reconciler_pass_duration_seconds', { kind: 'full' })!
    expect(full.count).toBeGreaterThan(
      histogram(before, 'labgate_reconciler_pass_duration_seconds', { kind: 'full' })!.count,
    )

    // sessions by state match the store's rows
    const gauge = sessionGauge(after)
    expect(gauge).toEqual(await storeCounts())
    expect(gauge).toEqual({ 'lab-w01/RUNNING': 3 })
    expect(sampleValue(after, 'labgate_sessions', { environment: 'lab-w01', state: 'STOPPED' })).toBe(0)

    // a reserve's terminal starts with its sandbox and stays open once the reserve is taken; sessions
    // created on demand and never activated get none
    const reserves = sessions.filter((s) => s.reserved).length
    expect(reserves).toBeGreaterThanOrEqual(1)
    expect(sampleValue(after, 'labgate_terminals_open')).toBe(reserves)

    // every delivery the sink answered with 500 is counted, once it has come back
    await eventually('webhook failures counted', async () => {
      const failures = sampleValue(await scrape(), 'labgate_webhook_failures_total')!
      return failures > 0 && failures === hooksReceived
    })

    const commits = histogram(after, 'labgate_db_commit_duration_seconds')!
    expect(commits.count).toBeGreaterThanOrEqual(4) // at least the allocations and the starts
    expect(commits.sum).toBeGreaterThan(0)
    expect(sampleValue(after, 'nodejs_eventloop_lag_seconds')).toBeGreaterThanOrEqual(0)
  })

  it('with a scrape token, answers 401 without it or with a wrong one, and starts a registry anew', async () => {
    const secret = 'scrape-token-0123456789abcdef'
    await h.restart({ metricsToken: secret })
    const bare = await fetch(`${h.url}/metrics`)
    expect(bare.status).toBe(401)
    expect(await bare.text()).toMatch(/Authorization: Bearer <token>/)
    const wrong = await fetch(`${h.url}/metrics`, { headers: { authorization: 'Bearer not-the-token' } })
    expect(wrong.status).toBe(401)
    expect(await wrong.text()).toMatch(/wrong/)
    const m = await scrape({ authorization: `Bearer ${secret}` })
    // a new labgate, a new registry: nothing allocated yet; the sessions are still counted from the store
    // (the fake backend's sandboxes did not outlive the restart: those sessions end, a new reserve starts)
    expect(sampleValue(m, 'labgate_allocations_total', { outcome: 'allocated' })).toBe(0)
    await eventually('the gauge to match the store', async () => {
      const now = await scrape({ authorization: `Bearer ${secret}` })
      return JSON.stringify(sessionGauge(now)) === JSON.stringify(await storeCounts())
    })
  })
})
