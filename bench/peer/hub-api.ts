/**
 * JupyterHub's REST API the way a front end drives it, with a service token: create a user, start and stop
 * their server, read their record. Keep-alive HTTP/1.1 through the proxy (the hub's public URL).
 */
import { HttpClient, type HttpResponse } from '../http.js'

/** The parts of a user record (GET /hub/api/users/<name>) the bench reads. */
export interface HubUser {
  name: string
  /** The default server's URL once it is ready, else null. */
  server: string | null
  /** 'spawn' or 'stop' while one is under way, else null. */
  pending: string | null
  servers?: Record<string, { ready?: boolean; pending?: string | null }>
}

/** True when the user's default server is up and answered the hub's check. */
export function ready(u: HubUser): boolean {
  const s = u.servers?.['']
  if (s) return s.ready === true
  return u.server !== null && u.pending === null
}

/** True when the user has no default server and none is starting or stopping. */
export function stopped(u: HubUser): boolean {
  return u.server === null && u.pending === null && !u.servers?.['']
}

/** An answer with a status the call did not expect; the message holds the start of the body. */
export class HubApiError extends Error {
  constructor(
    readonly what: string,
    readonly res: HttpResponse,
  ) {
    super(`${what}: HTTP ${res.status} ${res.body.slice(0, 300)}`)
  }
}

/** A front end's client of the hub's REST API (`/hub/api`), authenticated with a service token. */
export class HubApi {
  private readonly http: HttpClient
  readonly headers: Record<string, string>

  constructor(
    readonly url: string,
    token: string,
    maxSockets = 32,
  ) {
    this.http = new HttpClient(url, maxSockets)
    this.headers = { authorization: `token ${token}` }
  }

  private async call(method: string, path: string, ok: number[], body?: unknown): Promise<HttpResponse> {
    const res = await this.http.send(`/hub/api${path}`, {
      method,
      headers: body === undefined ? this.headers : { ...this.headers, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      timeoutMs: 60_000,
    })
    if (!ok.includes(res.status)) throw new HubApiError(`${method} /hub/api${path}`, res)
    return res
  }

  /** POST /users/<name>: 201, or 409 when the user exists already. */
  async createUser(name: string): Promise<void> {
    await this.call('POST', `/users/${encodeURIComponent(name)}`, [201, 409])
  }

  /**
   * POST /users/<name>/server: 201 when the server was up before the hub answered (it waits up to its
   * `slow_spawn_timeout`, 10 s by default), 202 while it is still starting. Returns the status.
   */
  async startServer(name: string): Promise<number> {
    return (await this.call('POST', `/users/${encodeURIComponent(name)}/server`, [201, 202])).status
  }

  async user(name: string): Promise<HubUser> {
    return JSON.parse((await this.call('GET', `/users/${encodeURIComponent(name)}`, [200])).body) as HubUser
  }

  async users(): Promise<HubUser[]> {
    return JSON.parse((await this.call('GET', '/users', [200])).body) as HubUser[]
  }

  /** DELETE /users/<name>/server: 204 stopped, 202 stopping; 400 when it is not running. */
  async stopServer(name: string): Promise<void> {
    await this.call('DELETE', `/users/${encodeURIComponent(name)}/server`, [202, 204, 400])
  }

  async deleteUser(name: string): Promise<void> {
    await this.call('DELETE', `/users/${encodeURIComponent(name)}`, [204, 404])
  }

  close(): void {
    this.http.close()
  }
}
