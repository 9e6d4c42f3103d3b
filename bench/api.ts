/** The Educates REST calls the benchmark makes, as a robot client would make them. */
import { HttpClient, type HttpResponse } from './http.js'
import type { BenchRobot } from './portal.js'

export const INDEX_URL = 'https://hub.test/'

/** The 200 answer of `environment/<env>/request/`. */
export interface RequestedSession {
  name: string
  url: string
}

/** A response that was not what the benchmark needed: the figure records it as an error. */
export class UnexpectedResponse extends Error {
  constructor(
    what: string,
    readonly response: HttpResponse,
  ) {
    super(`${what}: HTTP ${response.status} ${response.body.slice(0, 200)}`)
  }
}

export class PortalApi {
  readonly http: HttpClient
  token = ''

  constructor(readonly base: string) {
    this.http = new HttpClient(base)
  }

  /** Gets a robot access token (password grant, client credentials in the body) and keeps it. */
  async login(robot: BenchRobot): Promise<string> {
    const res = await this.http.send('/oauth2/token/', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'password',
        username: robot.username,
        password: robot.password,
        client_id: robot.clientId,
        client_secret: robot.clientSecret,
      }).toString(),
    })
    if (res.status !== 200) throw new UnexpectedResponse('token', res)
    this.token = (JSON.parse(res.body) as { access_token: string }).access_token
    return this.token
  }

  get auth(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` }
  }

  /** An authenticated GET; returns the raw response. */
  get(path: string): Promise<HttpResponse> {
    return this.http.send(path, { headers: this.auth })
  }

  /** An authenticated GET that must answer 200 with JSON. */
  async getJson<T>(path: string, what: string): Promise<T> {
    const res = await this.get(path)
    if (res.status !== 200) throw new UnexpectedResponse(what, res)
    return JSON.parse(res.body) as T
  }

  /** The environment name of each workshop (from the catalog). */
  async environments(): Promise<Map<string, string>> {
    const c = await this.getJson<{ environments: { name: string; workshop: { name: string } }[] }>(
      '/workshops/catalog/environments/',
      'catalog',
    )
    return new Map(c.environments.map((e) => [e.workshop.name, e.name]))
  }

  /** `environment/<env>/status/`: how many reserves are available and how many sessions allocated. */
  async status(env: string): Promise<{ available: number; allocated: number }> {
    return this.getJson(`/workshops/environment/${env}/status/`, 'status')
  }

  /** The request path for a new session of `env` for `user`. */
  requestPath(env: string, user: string): string {
    const q = new URLSearchParams({ index_url: INDEX_URL, user })
    return `/workshops/environment/${env}/request/?${q}`
  }

  /** `GET <requestPath>`, which must answer 200. */
  async request(env: string, user: string): Promise<RequestedSession> {
    return this.getJson<RequestedSession>(this.requestPath(env, user), 'request')
  }

  /** `schedule/`; the session state is its `status`. */
  async schedule(name: string): Promise<HttpResponse> {
    return this.get(`/workshops/session/${name}/schedule/`)
  }

  /** GETs an activation URL (relative, as the request answered it) without a bearer token or redirects. */
  activate(url: string): Promise<HttpResponse> {
    return this.http.send(url)
  }

  /** `terminate/`: 200 when the session went STOPPING, 404 when it had already ended. */
  async terminate(name: string): Promise<boolean> {
    const res = await this.get(`/workshops/session/${name}/terminate/`)
    if (res.status === 200 || res.status === 404) return res.status === 200
    throw new UnexpectedResponse('terminate', res)
  }

  /** Every allocated session the portal shows (STARTING, WAITING, RUNNING, STOPPING), by name and state. */
  async liveSessions(): Promise<{ name: string; state: string }[]> {
    const c = await this.getJson<{ environments: { sessions?: { name: string; state: string }[] }[] }>(
      '/workshops/catalog/environments/?sessions=true&state=starting&state=running&state=stopping',
      'catalog',
    )
    return c.environments.flatMap((e) => e.sessions ?? [])
  }

  close(): void {
    this.http.close()
  }
}
