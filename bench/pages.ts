/**
 * The pages figure: how long the portal's pages take with many sessions in the store. A portal of its own
 * on the fake backend (pages never touch a sandbox, so thousands of live sessions cost no machine) is filled
 * through the REST API with `levels[0]` live sessions of other users; then a learner (registered through
 * the form, holding a session started from the catalog) and the admin (signed in through the form) load
 * each page `warmup + n` times, one at a time over a kept-alive connection. The time is the whole response
 * on loopback, an upper bound of labgate's own time. A page that is not served (404) is reported, not
 * timed.
 */
import { requested, Recorder, type FigureContext, type FigureResult, type Settings } from './figures.js'
import { HttpClient, type HttpResponse } from './http.js'
import { startPortal, stopPortal } from './own-portal.js'
import type { BenchWorkshop } from './portal.js'
import { now, summarize, type Summary } from './stats.js'

const WORKSHOP: BenchWorkshop = { name: 'pages', capacity: 20_000, reserved: 0, initial: 0, expires: '1h' }
const ADMIN = { username: 'bench-admin', password: 'bench-admin-password-0123456789' }
const LEARNER = { username: 'bench-learner', password: 'bench-learner-password-0123' }

/** The pages timed, as whom. */
export const PAGES: { path: string; as: 'learner' | 'admin' }[] = [
  { path: '/', as: 'learner' },
  { path: '/my/labs/', as: 'learner' },
  { path: '/admin/environments/', as: 'admin' },
  { path: '/admin/sessions/', as: 'admin' },
  { path: '/admin/sessions/?state=all&page=20', as: 'admin' },
  { path: '/admin/users/', as: 'admin' },
  { path: '/admin/audit/', as: 'admin' },
  { path: '/admin/clients/', as: 'admin' },
  { path: '/admin/lms/', as: 'admin' },
]

/** The portal's pages p50 target, ms (docs/performance.md). */
export const PAGE_TARGET_MS = 50

export interface PageTiming {
  path: string
  as: 'learner' | 'admin'
  /** Null when the page is not served (404) or every load failed. */
  latency: Summary | null
  status: number
}

/** A browser's cookies and CSRF token over the bench's HTTP client. */
class FormClient {
  readonly cookies = new Map<string, string>()
  constructor(readonly http: HttpClient) {}

  get(path: string): Promise<HttpResponse> {
    return this.#keep(this.http.send(path, { headers: this.#headers() }))
  }

  /** Opens `page` (for the CSRF cookie), then posts `fields` with the token to `action`. */
  async submit(page: string, action: string, fields: Record<string, string>): Promise<HttpResponse> {
    await this.get(page)
    const body = new URLSearchParams({ ...fields, csrf: this.cookies.get('labgate_csrf') ?? '' }).toString()
    return this.#keep(
      this.http.send(action, {
        method: 'POST',
        headers: { ...this.#headers(), 'content-type': 'application/x-www-form-urlencoded' },
        body,
      }),
    )
  }

  #headers(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}
  }

  async #keep(p: Promise<HttpResponse>): Promise<HttpResponse> {
    const res = await p
    const set = res.headers['set-cookie'] ?? []
    for (const c of set) {
      const pair = c.split(';')[0]!
      const i = pair.indexOf('=')
      this.cookies.set(pair.slice(0, i), pair.slice(i + 1))
    }
    return res
  }
}

export async function pagesFigure(ctx: FigureContext, s: Settings): Promise<FigureResult> {
  const rec = new Recorder('pages', s, ctx.log)
  const sessions = s.levels?.[0] ?? 1000
  const { lg, api } = await startPortal([WORKSHOP], 'fake', { admin: ADMIN })
  const timings: PageTiming[] = []
  try {
    const env = (await api.environments()).get(WORKSHOP.name)
    if (!env) throw new Error(`no environment for workshop ${WORKSHOP.name}`)
    let made = 0
    const t0 = now()
    await Promise.all(
      Array.from({ length: s.concurrency }, async () => {
        while (made < sessions && now() < rec.deadline) {
          const user = `bench-user-${made++}`
          try {
            requested(await api.get(api.requestPath(env, user)))
          } catch (e) {
            rec.error(e)
          }
        }
      }),
    )
    ctx.log(`  pages: ${made} sessions in the store in ${((now() - t0) / 1000).toFixed(1)} s`)
    rec.details.sessions = made

    const learner = new FormClient(new HttpClient(lg.url, 1))
    const registered = await learner.submit('/register/', '/register/', {
      username: LEARNER.username,
      password: LEARNER.password,
      confirm: LEARNER.password,
      next: '/',
    })
    if (registered.status !== 303) throw new Error(`register: HTTP ${registered.status}`)
    const started = await learner.submit('/', `/workshops/environment/${env}/create/`, {})
    if (started.status !== 303 || !started.headers.location?.startsWith('/workshops/session/'))
      throw new Error(`start from the catalog: HTTP ${started.status} ${started.headers.location ?? ''}`)
    const admin = new FormClient(new HttpClient(lg.url, 1))
    const signedIn = await admin.submit('/login/', '/login/', { ...ADMIN, next: '/' })
    if (signedIn.status !== 303) throw new Error(`admin sign-in: HTTP ${signedIn.status}`)

    for (const page of PAGES) {
      const client = page.as === 'learner' ? learner : admin
      const samples: number[] = []
      let status = 0
      for (let i = 0; rec.more(i); i++) {
        const t = now()
        const res = await client.get(page.path)
        const took = now() - t
        status = res.status
        if (res.status === 404) break
        if (res.status !== 200) {
          rec.error(new Error(`${page.path}: HTTP ${res.status}`))
          continue
        }
        if (i >= s.warmup) {
          samples.push(took)
          rec.samples.push(took)
        }
      }
      const latency = samples.length ? summarize(samples) : null
      timings.push({ ...page, latency, status })
      if (status === 404) rec.notes.push(`${page.path} is not served (404): not timed`)
      else if (latency) ctx.log(`  pages: ${page.path} p50 ${latency.p50.toFixed(2)} ms`)
    }
    learner.http.close()
    admin.http.close()
  } catch (e) {
    rec.error(e)
  } finally {
    const trouble = await stopPortal(lg, api)
    if (trouble) rec.notes.push(trouble)
  }
  rec.details.pages = timings
  const timed = timings.filter((t) => t.latency)
  const worst = timed.reduce<PageTiming | null>(
    (w, t) => (w === null || t.latency!.p50 > w.latency!.p50 ? t : w),
    null,
  )
  rec.details.worst = worst?.path ?? null
  return rec.result({ latency: worst?.latency ?? undefined })
}
