/**
 * The peer's figures, measured on a running JupyterHub over its REST API with the service token: one
 * session until ready, ten at once until all are ready (and their memory once idle), and authenticated
 * reads of one user's record under load. Every loop is bounded by a count and a time limit; every session
 * a figure opens it closes again (untimed).
 */
import { runLoad } from '../load.js'
import { describe, ms, now, summarize } from '../stats.js'
import type { HubApi } from './hub-api.js'
import { hubMemory, mib, type HubMemory } from './memory.js'
import { closeSession, openSession, type SessionTiming } from './sessions.js'
import type { PeerFigureId, PeerFigureResult, PeerSettings } from './types.js'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const s1 = (msValue: number) => (msValue / 1000).toFixed(msValue < 10_000 ? 2 : 1)

/** What a peer figure works with: the API client, the hub's pid, the settings, the run's log. */
export interface PeerContext {
  api: HubApi
  /** The hub's pid (its processes are read from /proc for memory). */
  hubPid: number
  s: PeerSettings
  log(msg: string): void
  /** True once the run was interrupted: loops stop at the next iteration. */
  interrupted(): boolean
}

/** Collects errors and notes of one peer figure. */
class Tally {
  errors = 0
  readonly errorSamples: string[] = []
  readonly notes: string[] = []
  details: Record<string, unknown> = {}
  readonly start = now()

  constructor(readonly id: PeerFigureId) {}

  error(e: unknown): void {
    this.errors++
    if (this.errorSamples.length < 10) this.errorSamples.push((e as Error).message ?? String(e))
  }

  result(r: Pick<PeerFigureResult, 'text'> & Partial<PeerFigureResult>): PeerFigureResult {
    return {
      id: this.id,
      status: r.value === undefined ? 'failed' : 'ok',
      errors: this.errors,
      errorSamples: this.errorSamples,
      notes: this.notes,
      details: this.details,
      elapsedS: (now() - this.start) / 1000,
      ...r,
    }
  }
}

/** Closes sessions, counting failures as errors of the figure. */
async function closeAll(c: PeerContext, t: Tally, names: string[]): Promise<void> {
  await Promise.all(names.map((n) => closeSession(c.api, n).catch((e: unknown) => t.error(e))))
}

/** (a) One session at a time: create the user, start the server, poll until ready. */
export async function oneSession(c: PeerContext): Promise<PeerFigureResult> {
  const t = new Tally('oneSession')
  const { s } = c
  const deadline = now() + s.oneTimeLimitS * 1000
  const timings: SessionTiming[] = []
  let i = 0
  for (; i < s.oneRuns + s.oneWarmup && !c.interrupted(); i++) {
    if (now() > deadline) {
      t.notes.push(`stopped by the ${s.oneTimeLimitS} s time limit after ${timings.length} samples`)
      break
    }
    const name = `bench-one-${i}`
    try {
      const tm = await openSession(c.api, name, s.pollMs, s.sessionTimeoutS * 1000)
      if (i >= s.oneWarmup) timings.push(tm)
      c.log(
        `  peer oneSession: ${i < s.oneWarmup ? 'warm-up' : `${i - s.oneWarmup + 1}/${s.oneRuns}`} ` +
          `ready in ${s1(tm.ready)} s (start answered ${tm.startStatus} after ${s1(tm.startAnswered)} s)`,
      )
    } catch (e) {
      t.error(e)
      c.log(`  peer oneSession: ${(e as Error).message}`)
    }
    await closeAll(c, t, [name])
  }
  const lat = summarize(timings.map((x) => x.ready))
  t.details.samples = timings.map((x) => Math.round(x.ready))
  t.details.parts = {
    created: summarize(timings.map((x) => x.created)),
    startAnswered: summarize(timings.map((x) => x.startAnswered)),
  }
  t.details.startStatuses = timings.map((x) => x.startStatus)
  t.details.pollsPerSession = summarize(timings.map((x) => x.polls))
  if (timings.length) t.notes.push(`request → ready: ${describe(lat)}`)
  return t.result(
    timings.length
      ? {
          value: lat.p50,
          latency: lat,
          text: `p50 ${s1(lat.p50)} s, p99 ${s1(lat.p99)} s (n=${lat.n})`,
        }
      : { text: 'no session became ready' },
  )
}

interface Round {
  /** ms from sending the first request until every session was ready. */
  allReady: number
  /** Per session, ms until it was first seen ready. */
  perSession: number[]
  ready: number
  memory: HubMemory | null
}

/**
 * (b) `sessions` users at once: every user's creation and start sent together, then GET /users (the list,
 * one request per poll) at most every `pollMs` until all are ready. After the round, `idleS` seconds idle
 * and a snapshot of the memory of every server's process tree (for (c)).
 */
async function round(c: PeerContext, r: number): Promise<Round> {
  const { s } = c
  const names = Array.from({ length: s.sessions }, (_, k) => `bench-ten-${r}-${k}`)
  const seen = new Map<string, number>()
  const t0 = now()
  const failed: string[] = []
  // A start that fails is noted at once, so the polls stop waiting for it.
  const starts = Promise.all(
    names.map(async (n) => {
      try {
        await c.api.createUser(n)
        await c.api.startServer(n)
      } catch (e) {
        failed.push(`${n}: ${(e as Error).message}`)
      }
    }),
  )
  const timeout = s.sessionTimeoutS * 1000
  let memory: HubMemory | null = null
  try {
    while (seen.size + failed.length < names.length && now() - t0 < timeout && !c.interrupted()) {
      const tp = now()
      for (const u of await c.api.users()) {
        if (names.includes(u.name) && !seen.has(u.name) && u.servers?.['']?.ready === true)
          seen.set(u.name, now() - t0)
      }
      const wait = s.pollMs - (now() - tp)
      if (wait > 0) await sleep(wait)
    }
    await starts
    if (seen.size === names.length) {
      await sleep(s.idleS * 1000)
      memory = hubMemory(c.hubPid)
    }
  } finally {
    await starts
    await closeAll(c, new Tally('tenAtOnce'), names)
  }
  const perSession = [...seen.values()]
  if (failed.length) throw new Error(`round ${r}: ${failed.length} starts failed: ${failed[0]}`)
  if (seen.size < names.length) throw new Error(`round ${r}: ${seen.size}/${names.length} ready`)
  return { allReady: Math.max(...perSession), perSession, ready: seen.size, memory }
}

/** (b) and (c): `rounds` rounds of `sessions` sessions at once; memory per idle session from each round. */
export async function tenAtOnce(c: PeerContext): Promise<[PeerFigureResult, PeerFigureResult]> {
  const t = new Tally('tenAtOnce')
  const m = new Tally('memory')
  const { s } = c
  const deadline = now() + s.roundsTimeLimitS * 1000
  const rounds: Round[] = []
  const before = hubMemory(c.hubPid)
  for (let r = 0; r < s.rounds && !c.interrupted(); r++) {
    if (now() > deadline) {
      t.notes.push(`stopped by the ${s.roundsTimeLimitS} s time limit after ${rounds.length} rounds`)
      break
    }
    try {
      const x = await round(c, r)
      rounds.push(x)
      c.log(
        `  peer tenAtOnce: round ${r + 1}/${s.rounds}: all ${x.ready} ready in ${s1(x.allReady)} s, ` +
          `per session p50 ${s1(summarize(x.perSession).p50)} s`,
      )
    } catch (e) {
      t.error(e)
      c.log(`  peer tenAtOnce: ${(e as Error).message}`)
    }
  }
  const totals = summarize(rounds.map((x) => x.allReady))
  const per = summarize(rounds.flatMap((x) => x.perSession))
  t.details.rounds = rounds.map((x) => ({
    allReadyMs: Math.round(x.allReady),
    perSessionMs: x.perSession.map(Math.round).sort((a, b) => a - b),
  }))
  t.details.perSession = per
  const ten = t.result(
    rounds.length
      ? {
          value: totals.p50 / 1000,
          latency: per,
          text: `all in ${s1(totals.p50)} s, p50 ${s1(per.p50)} s (${s.sessions} at once; median of ${rounds.length} rounds)`,
        }
      : { text: 'no round completed' },
  )

  // (c) Memory: the single-user servers' process trees, every round's snapshot.
  const trees = rounds.flatMap((x) => (x.memory ? [...x.memory.servers.values()] : []))
  const last = rounds.at(-1)?.memory
  if (!trees.length || !last) return [ten, m.result({ text: 'not measured (no round completed)' })]
  const rss = trees.reduce((a, x) => a + x.rss, 0) / trees.length
  const pss = trees.reduce((a, x) => a + x.pss, 0) / trees.length
  const procs = trees.reduce((a, x) => a + x.processes, 0) / trees.length
  const hubGrowth = last.hub.rss + last.proxy.rss - (before.hub.rss + before.proxy.rss)
  m.details = {
    ...m.details,
    measure: 'RSS (and PSS) of each single-user server process and its descendants, idle',
    sessions: trees.length,
    rssMiB: mib(rss),
    pssMiB: mib(pss),
    pssKnown: trees.every((x) => x.pssKnown),
    processesPerSession: procs,
    hubRssBeforeMiB: mib(before.hub.rss),
    hubRssAfterMiB: mib(last.hub.rss),
    proxyRssBeforeMiB: mib(before.proxy.rss),
    proxyRssAfterMiB: mib(last.proxy.rss),
    hubAndProxyGrowthPerSessionMiB: mib(Math.max(0, hubGrowth) / s.sessions),
  }
  m.notes.push(
    `per idle session (${trees.length} sessions, ${procs.toFixed(1)} processes each, after ${s.idleS} s idle): ` +
      `RSS ${mib(rss)} MiB, PSS ${mib(pss)} MiB; hub + proxy RSS grew ${mib(Math.max(0, hubGrowth) / s.sessions)} ` +
      `MiB per session while ${s.sessions} were up (not in the figure)`,
  )
  return [
    ten,
    m.result({
      value: mib(rss),
      text: `${mib(rss).toFixed(0)} MiB RSS per idle session (PSS ${mib(pss).toFixed(0)} MiB; ${trees.length} sessions)`,
    }),
  ]
}

/** (d) GET /hub/api/users/<name> with the token, `connections` connections, for `durationS` seconds. */
export async function reads(c: PeerContext): Promise<PeerFigureResult> {
  const t = new Tally('reads')
  const { s } = c
  const name = 'bench-read'
  try {
    await openSession(c.api, name, s.pollMs, s.sessionTimeoutS * 1000)
    const r = await runLoad({
      url: `${c.api.url}/hub/api/users/${name}`,
      headers: c.api.headers,
      connections: s.connections,
      durationS: s.durationS,
    })
    t.details = {
      ...t.details,
      total: r.total,
      durationS: r.durationS,
      latency: r.latency,
      autocannonLatency: r.autocannonLatency,
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      statusCodes: r.statusCodes,
    }
    t.errors += r.non2xx + r.errors + r.timeouts
    t.notes.push(
      `${r.rps.toFixed(0)} req/s over ${s.connections} connections for ${s.durationS} s: ${describe(r.latency)}; ` +
        `status codes ${JSON.stringify(r.statusCodes)}`,
    )
    return t.result({
      value: r.rps,
      latency: r.latency,
      text: `${r.rps.toFixed(0)} req/s, mean ${ms(r.latency.mean)} ms, p99 ${ms(r.latency.p99)} ms`,
    })
  } catch (e) {
    t.error(e)
    return t.result({ text: `failed: ${(e as Error).message}` })
  } finally {
    await closeSession(c.api, name).catch((e: unknown) => t.error(e))
  }
}
