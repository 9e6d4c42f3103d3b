/**
 * What a browser does to get into a session: follow the activation URL through the portal to the session's
 * dashboard, keeping cookies by path, and then talk to the session's own endpoints (`_labgate/schedule`) and
 * terminal WebSockets with the session cookie. Requests go over a keep-alive pool shared by the browser
 * sessions of a figure (a browser that already has the portal open), so no HTTP request pays for a
 * connection set-up; a WebSocket always opens a connection of its own.
 */
import { UnexpectedResponse } from './api.js'
import type { HttpClient, HttpResponse } from './http.js'
import { now } from './stats.js'

interface Cookie {
  name: string
  value: string
  path: string
}

/** A cookie jar with path matching only (one host, loopback, no expiry: enough for one session's flow). */
export class CookieJar {
  readonly cookies = new Map<string, Cookie>()

  /** Takes the `set-cookie` headers of a response to a request for `requestPath`. */
  take(res: HttpResponse, requestPath: string): void {
    for (const line of res.headers['set-cookie'] ?? []) {
      const [pair, ...attrs] = line.split(';')
      const eq = pair!.indexOf('=')
      if (eq <= 0) continue
      const name = pair!.slice(0, eq).trim()
      const value = pair!.slice(eq + 1).trim()
      let path = requestPath.slice(0, requestPath.lastIndexOf('/') + 1) || '/'
      for (const a of attrs) {
        const [k, v] = a.split('=')
        if (k?.trim().toLowerCase() === 'path' && v) path = v.trim()
      }
      this.cookies.set(`${name} ${path}`, { name, value, path })
    }
  }

  /** The `cookie` header a browser would send for `path` (longer paths first), or undefined. */
  header(path: string): string | undefined {
    const p = path.split('?')[0]!
    const list = [...this.cookies.values()]
      .filter((c) => p === c.path || p.startsWith(c.path.endsWith('/') ? c.path : c.path + '/'))
      .sort((a, b) => b.path.length - a.path.length)
    return list.length ? list.map((c) => `${c.name}=${c.value}`).join('; ') : undefined
  }

  has(name: string): boolean {
    return [...this.cookies.values()].some((c) => c.name === name)
  }
}

/** Times (ms) of the steps of {@link BrowserSession.enter}. */
export interface EnterTimes {
  /**
   * activation URL → 302 (sets the portal cookie): on the portal's own origin straight to the dashboard,
   * signed in to it (sets the session cookie too), else to the portal's session page.
   */
  activate: number
  /**
   * portal session page → 302 to the session's dashboard (on the portal's own host it signs the browser
   * in to the dashboard itself); 0 when the activation went straight to the dashboard.
   */
  portal: number
  /**
   * The dashboard's sign-in when the portal page did not do it, the OAuth code flow: dashboard → 302 to
   * the portal's authorization endpoint → 303 back to the session's callback with a code → 302 to the
   * dashboard (sets the session cookie). 0 when the portal page signed the browser in.
   */
  login: number
  /** dashboard → 200 (HTML). */
  dashboard: number
}

/** One browser's view of one session. */
export class BrowserSession {
  /** The state the dashboard page was rendered with (its `data-state`), once `enter` has run. */
  dashboardState: string | null = null

  /** `jar`: the cookies the browser already holds (default: none). */
  constructor(
    readonly http: HttpClient,
    readonly session: string,
    readonly jar = new CookieJar(),
  ) {}

  /** A GET as this browser: cookies for the path, no redirects followed; takes the answer's cookies. */
  async get(path: string, headers: Record<string, string> = {}): Promise<HttpResponse> {
    const cookie = this.jar.header(path)
    const res = await this.http.send(path, { headers: cookie ? { ...headers, cookie } : headers })
    this.jar.take(res, path)
    return res
  }

  /** The path part of a redirect's Location (absolute ones must point at the same origin). */
  private location(res: HttpResponse, what: string, expect: RegExp): string {
    if ((res.status !== 302 && res.status !== 303) || typeof res.headers.location !== 'string')
      throw new UnexpectedResponse(what, res)
    let loc = res.headers.location
    if (/^https?:/.test(loc)) {
      const u = new URL(loc)
      if (u.origin !== new URL(this.http.base).origin)
        throw new Error(`${what}: redirected off-site to ${loc}`)
      loc = u.pathname + u.search
    }
    if (!expect.test(loc)) throw new Error(`${what}: unexpected redirect to ${loc}`)
    return loc
  }

  /**
   * Follows an activation URL the way a browser does: activation → (the portal's session page →) the
   * dashboard, signed in by either (or else by the dashboard itself, with the code flow: authorization
   * endpoint → callback), which must answer 200. Returns each step's time.
   */
  async enter(activationUrl: string): Promise<EnterTimes> {
    const name = this.session
    const t0 = now()
    const act = await this.get(activationUrl)
    const next = this.location(act, 'activate', new RegExp(`^/(?:workshops/session|sessions)/${name}/$`))
    const t1 = now()
    // The activation signs the browser in to the dashboard itself where it can, and sends it there.
    const first = next.startsWith('/sessions/')
      ? next
      : this.location(await this.get(next), 'portal session page', new RegExp(`^/sessions/${name}/$`))
    const t2 = now()
    // Signed in by the activation or the portal page when the dashboard's path now gets a session cookie.
    const signedIn = /(?:^|; )labgate_session=/.test(this.jar.header(first) ?? '')
    const dashboard = signedIn ? first : await this.codeFlow(first)
    const t3 = now()
    const page = await this.get(dashboard)
    if (page.status !== 200) throw new UnexpectedResponse('dashboard', page)
    const t4 = now()
    this.dashboardState = /data-state="([A-Z]+)"/.exec(page.body)?.[1] ?? null
    return { activate: t1 - t0, portal: t2 - t1, login: t3 - t2, dashboard: t4 - t3 }
  }

  /** The dashboard's code-flow sign-in from its URL `first`; returns where it sends the browser next. */
  private async codeFlow(first: string): Promise<string> {
    const name = this.session
    const toAuthorize = await this.get(first)
    const authorize = this.location(toAuthorize, 'dashboard sign-in', /^\/oauth2\/authorize\?/)
    const code = await this.get(authorize)
    const callback = this.location(
      code,
      'authorize',
      new RegExp(`^/sessions/${name}/_labgate/oauth_callback\\?`),
    )
    const signedIn = await this.get(callback)
    const dashboard = this.location(signedIn, 'callback', new RegExp(`^/sessions/${name}/$`))
    if (!this.jar.has('labgate_session')) throw new Error('login: no labgate_session cookie')
    return dashboard
  }

  /** The dashboard's own schedule (`_labgate/schedule`, session cookie): the session's state, or null. */
  async state(): Promise<string | null> {
    const res = await this.get(`/sessions/${this.session}/_labgate/schedule`, { 'x-requested-with': 'bench' })
    if (res.status !== 200) return null
    return (JSON.parse(res.body) as { status: string }).status
  }

  /** What a terminal WebSocket of this session needs: its URL and headers (cookie, same-origin Origin). */
  terminalTarget(id: string): { url: string; headers: Record<string, string> } {
    const path = `/sessions/${this.session}/terminal/${id}`
    const cookie = this.jar.header(path)
    const origin = new URL(this.http.base).origin
    return {
      url: origin.replace(/^http/, 'ws') + path,
      headers: { origin, ...(cookie ? { cookie } : {}) },
    }
  }
}
