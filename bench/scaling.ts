/**
 * The scaling figure ("cost growth"): whether a single allocation gets slower as sessions pile up in the
 * store, and whether the catalog gets slower with anything but the number of environments. It runs on
 * portals of its own — labgate started again for each, so each store holds exactly what the figure put in
 * it — and stops each one before the next.
 */
import { PortalApi } from './api.js'
import {
  Recorder,
  WORKSHOPS,
  requested,
  sleep,
  waitStopped,
  type FigureContext,
  type FigureResult,
  type Settings,
} from './figures.js'
import { startPortal, stopPortal, type Backend } from './own-portal.js'
import { catalogWorkshops } from './portal.js'
import { ms, now, summarize, type Summary } from './stats.js'

/** "Flat": p50 at the largest level within this factor of p50 at the smallest. */
export const FLAT = 1.5

/** Sessions requested between two waits for the store's sessions to have stopped (local backend). */
const BATCH = 500

/** Waits (bounded) until the portal has no allocated session that is not STOPPED. */
async function waitNoneLive(api: PortalApi, limitMs: number): Promise<boolean> {
  const end = now() + limitMs
  while (now() < end) {
    if ((await api.liveSessions()).length === 0) return true
    await sleep(100)
  }
  return false
}

/** The allocation and catalog latency measured with `sessions` in the store. */
export interface LevelResult {
  /** Sessions the store held when the measurement started (all this portal ever had). */
  sessions: number
  alloc: Summary
  catalog: Summary
  errors: number
}

/** One series of store levels: on a local-backend portal (rows kept as STOPPED) or a fake one (live). */
export interface StoreSeries {
  backend: Backend
  /** `stopped`: each session terminated after its request; `live`: every session kept allocated. */
  rows: 'stopped' | 'live'
  levels: LevelResult[]
  /** The level the figure wanted but did not reach (time limit, errors), if any. */
  unreached: number | null
  fillS: number
}

/**
 * Fills a fresh portal's store level by level through the REST API (robot requests for new users, no
 * reserves, `concurrency` in flight) and at each level times `warmup + n` single allocations (each a new
 * user, one at a time) and as many catalog GETs. With `rows: 'stopped'` every session is terminated right
 * after its request and the fill waits for the stops every {@link BATCH} sessions, so the machine never
 * holds more than a batch of sandboxes; each measured session is terminated and stopped before the next.
 */
async function storeSeries(
  ctx: FigureContext,
  s: Settings,
  rec: Recorder,
  backend: Backend,
  rows: 'stopped' | 'live',
): Promise<StoreSeries> {
  const levels = s.levels ?? [10, 1000, 10_000]
  const { lg, api } = await startPortal([WORKSHOPS.scaling], backend)
  const out: StoreSeries = { backend, rows, levels: [], unreached: null, fillS: 0 }
  const tag = `${backend}/${rows}`
  try {
    const env = (await api.environments()).get(WORKSHOPS.scaling.name)
    if (!env) throw new Error(`no environment for workshop ${WORKSHOPS.scaling.name}`)
    let inStore = 0
    let users = 0
    for (const level of levels) {
      // Fill up to the level.
      const tFill = now()
      let lastLog = now()
      while (inStore < level && now() < rec.deadline) {
        const batch = Math.min(level - inStore, rows === 'stopped' ? BATCH : level)
        let next = 0
        await Promise.all(
          Array.from({ length: Math.min(s.concurrency, batch) }, async () => {
            while (next < batch && now() < rec.deadline) {
              next++
              try {
                const r = requested(await api.get(api.requestPath(env, `bench-fill-${users++}`)))
                inStore++
                if (rows === 'stopped') await api.terminate(r.name)
              } catch (e) {
                rec.error(e)
              }
              if (now() - lastLog > 2000) {
                lastLog = now()
                ctx.log(`  scaling (${tag}): ${inStore}/${level} sessions in the store`)
              }
            }
          }),
        )
        if (rows === 'stopped' && !(await waitNoneLive(api, 120_000)))
          rec.error(new Error(`${tag}: the filled sessions had not all stopped within 120 s`))
      }
      out.fillS += (now() - tFill) / 1000
      if (inStore < level) {
        out.unreached = level
        rec.stoppedBy = 'time'
        ctx.log(`  scaling (${tag}): time limit reached with ${inStore} of ${level} sessions in the store`)
        break
      }
      // Measure at this level.
      const alloc: number[] = []
      const catalog: number[] = []
      const sessions = inStore
      let errors = 0
      for (let j = 0; j < s.warmup + s.n && now() < rec.deadline; j++) {
        try {
          const t0 = now()
          const res = await api.get(api.requestPath(env, `bench-probe-${users++}`))
          const t = now() - t0
          const r = requested(res)
          inStore++
          const t1 = now()
          const cat = await api.get('/workshops/catalog/environments/')
          const tc = now() - t1
          if (cat.status !== 200) throw new Error(`catalog: HTTP ${cat.status}`)
          if (j >= s.warmup) {
            alloc.push(t)
            catalog.push(tc)
          }
          if (rows === 'stopped') {
            await api.terminate(r.name)
            if (!(await waitStopped(api, r.name))) throw new Error(`${r.name} had not stopped within 5 s`)
          }
        } catch (e) {
          errors++
          rec.error(e)
        }
      }
      const l: LevelResult = { sessions, alloc: summarize(alloc), catalog: summarize(catalog), errors }
      if (alloc.length < s.n) {
        rec.stoppedBy = 'time'
        rec.notes.push(`${tag}: only ${alloc.length} of ${s.n} samples at ${sessions} sessions (time limit)`)
      }
      out.levels.push(l)
      ctx.log(
        `  scaling (${tag}): ${sessions} sessions in the store: allocation p50 ${ms(l.alloc.p50)} ms, ` +
          `p99 ${ms(l.alloc.p99)} ms; catalog p50 ${ms(l.catalog.p50)} ms (n=${l.alloc.n})`,
      )
    }
  } finally {
    const left = await stopPortal(lg, api)
    if (left) rec.notes.push(`${tag} portal: ${left}`)
  }
  return out
}

/** The catalog latency of a portal with `environments` workshops (each one environment, no sessions). */
export interface CatalogLevel {
  environments: number
  catalog: Summary
  bodyBytes: number
}

/** Starts one portal per count in `s.environments` and times `warmup + n` catalog GETs on each. */
async function catalogSeries(ctx: FigureContext, s: Settings, rec: Recorder): Promise<CatalogLevel[]> {
  const out: CatalogLevel[] = []
  for (const count of s.environments ?? [1, 10, 100]) {
    if (now() > rec.deadline) {
      rec.stoppedBy = 'time'
      break
    }
    const { lg, api } = await startPortal(catalogWorkshops(count), 'local')
    try {
      const samples: number[] = []
      let bytes = 0
      for (let j = 0; j < s.warmup + s.n && now() < rec.deadline; j++) {
        const t0 = now()
        const res = await api.get('/workshops/catalog/environments/')
        const t = now() - t0
        if (res.status !== 200) {
          rec.error(new Error(`catalog: HTTP ${res.status}`))
          continue
        }
        const shown = (JSON.parse(res.body) as { environments: unknown[] }).environments.length
        if (shown !== count) rec.error(new Error(`catalog shows ${shown} environments, not ${count}`))
        bytes = res.body.length
        if (j >= s.warmup) samples.push(t)
      }
      const c: CatalogLevel = { environments: count, catalog: summarize(samples), bodyBytes: bytes }
      out.push(c)
      ctx.log(
        `  scaling: catalog with ${count} environments: p50 ${ms(c.catalog.p50)} ms, ` +
          `p99 ${ms(c.catalog.p99)} ms (${bytes} bytes, n=${c.catalog.n})`,
      )
    } finally {
      const left = await stopPortal(lg, api)
      if (left) rec.notes.push(`catalog portal of ${count}: ${left}`)
    }
  }
  return out
}

/** p50 at the last level over p50 at the first (NaN with fewer than two levels). */
function growth<T>(levels: T[], p50: (l: T) => number): number {
  const first = levels[0]
  const last = levels.at(-1)
  return levels.length > 1 && first && last ? p50(last) / p50(first) : NaN
}

/** The verdict on the target, from the measured series. */
export interface ScalingVerdict {
  /** Allocation p50 growth from the first to the last level, per series. */
  allocGrowth: { series: string; ratio: number }[]
  /** Catalog p50 growth from the first to the last store level (it should not grow with sessions). */
  catalogBySessions: { series: string; ratio: number }[]
  /** Catalog p50 growth per step of environments, and the step's factor (at most linear: ≤ 1.5 × factor). */
  catalogByEnvironments: { from: number; to: number; ratio: number; factor: number }[]
  met: boolean
}

export function verdict(series: StoreSeries[], catalog: CatalogLevel[]): ScalingVerdict {
  const name = (x: StoreSeries) => `${x.backend} backend, ${x.rows} rows`
  const allocGrowth = series.map((x) => ({ series: name(x), ratio: growth(x.levels, (l) => l.alloc.p50) }))
  const catalogBySessions = series.map((x) => ({
    series: name(x),
    ratio: growth(x.levels, (l) => l.catalog.p50),
  }))
  const catalogByEnvironments = catalog.slice(1).map((c, i) => ({
    from: catalog[i]!.environments,
    to: c.environments,
    ratio: c.catalog.p50 / catalog[i]!.catalog.p50,
    factor: c.environments / catalog[i]!.environments,
  }))
  const complete = series.every((x) => x.unreached === null && x.levels.length > 1) && catalog.length > 1
  const met =
    complete &&
    allocGrowth.every((g) => g.ratio <= FLAT) &&
    catalogBySessions.every((g) => g.ratio <= FLAT) &&
    catalogByEnvironments.every((g) => g.ratio <= FLAT * g.factor)
  return { allocGrowth, catalogBySessions, catalogByEnvironments, met }
}

/**
 * (m) Scaling, in this order: (1) catalog GETs on portals of 1, 10 and 100 environments; (2) on a
 * fake-backend portal (no sandboxes) of its own, the store is filled to each of `levels` sessions (10,
 * 1,000, 10,000) through the REST API, every session kept allocated, so the store holds that many live
 * sessions, and single allocations and catalog GETs are timed at each level; (3) the same on a
 * local-backend portal, every session terminated right after its request so its row stays in the store as
 * STOPPED (retention: a day) — 10,000 live sandboxes would need some 30,000 processes, close to this
 * machine's pid_max; each still starts and stops a real sandbox. Judged: flat
 * = p50 at the last level within {@link FLAT}× of the first, for allocations and for the catalog by
 * sessions; the catalog by environments at most linear (each step's growth ≤ {@link FLAT}× its factor).
 */
export async function scalingFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const rec = new Recorder('scaling', s, ctx.log)
  const series: StoreSeries[] = []
  const backend = (process.env.LABGATE_BENCH_BACKEND as Backend | undefined) ?? 'local'
  // The cheap parts first; the local-backend fill, which starts and stops a sandbox per session, last.
  const catalog = await catalogSeries(ctx, s, rec)
  series.push(await storeSeries(ctx, s, rec, 'fake', 'live'))
  if (backend !== 'fake') series.push(await storeSeries(ctx, s, rec, backend, 'stopped'))
  const v = verdict(series, catalog)
  Object.assign(rec.details, { series, catalog, verdict: v, flat: FLAT })
  for (const x of series)
    rec.notes.push(
      `${x.backend} backend, ${x.rows} rows (filled in ${x.fillS.toFixed(1)} s): ` +
        x.levels
          .map(
            (l) =>
              `${l.sessions} in store: allocation p50 ${ms(l.alloc.p50)} ms, p99 ${ms(l.alloc.p99)} ms, ` +
              `catalog p50 ${ms(l.catalog.p50)} ms`,
          )
          .join('; ') +
        (x.unreached !== null ? `; ${x.unreached} not reached` : ''),
    )
  rec.notes.push(
    'allocation p50 growth (last level / first): ' +
      v.allocGrowth.map((g) => `${g.series} ${g.ratio.toFixed(2)}×`).join(', ') +
      '; catalog p50 growth with sessions: ' +
      v.catalogBySessions.map((g) => `${g.series} ${g.ratio.toFixed(2)}×`).join(', '),
  )
  rec.notes.push(
    'catalog by environments: ' +
      catalog.map((c) => `${c.environments}: p50 ${ms(c.catalog.p50)} ms`).join(', ') +
      ' (growth per step: ' +
      v.catalogByEnvironments
        .map((g) => `${g.from}→${g.to} ${g.ratio.toFixed(2)}× for ${g.factor}×`)
        .join(', ') +
      ')',
  )
  const worst = Math.max(...v.allocGrowth.map((g) => g.ratio))
  return rec.result({ value: worst, unit: '× allocation p50 growth, last level / first (worst series)' })
}
