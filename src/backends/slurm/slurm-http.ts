import http from 'node:http'
import https from 'node:https'
import { LabgateError } from '../../domain/errors.js'

/** Where and how to reach slurmrestd: a unix socket (local auth) or an HTTP(S) URL with a JWT. */
export type SlurmEndpoint =
  { kind: 'socket'; socketPath: string } | { kind: 'url'; url: URL; user: string; token: string }

/** An answer from slurmrestd: its status, its body as text, and the body parsed when it is JSON. */
export interface SlurmHttpResponse {
  status: number
  text: string
  /** The parsed body; undefined when it is not JSON. */
  json: unknown
}

/** The largest answer read (the job list of a busy cluster, the OpenAPI description of a new release). */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024

/**
 * HTTP to one slurmrestd over kept-alive connections. `request` resolves with any HTTP answer (statuses
 * are the caller's to judge) and rejects with `LabgateError('backend_failed')` when there is none: the
 * server cannot be reached, does not answer within `timeoutMs`, or answers more than `maxBytes`.
 */
export class SlurmHttp {
  /** How error messages name the server: the socket path or the URL. */
  readonly where: string
  private readonly agent: http.Agent

  constructor(
    private readonly endpoint: SlurmEndpoint,
    private readonly timeoutMs: number,
    private readonly maxBytes = MAX_RESPONSE_BYTES,
  ) {
    this.where = endpoint.kind === 'socket' ? endpoint.socketPath : endpoint.url.origin
    this.agent = this.newAgent(8)
  }

  /**
   * Sends `method path` with `body` as JSON. A GET or DELETE that finds its kept-alive connection closed
   * by the server is sent again once on a new one; a POST always gets a connection of its own, so a
   * submission is never sent twice. Every request asks for keep-alive: slurmrestd 22.05 answers a
   * `Connection: close` request with that header written after the body, which no HTTP parser accepts.
   */
  async request(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<SlurmHttpResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    try {
      return await this.send(method, path, payload, method !== 'POST')
    } catch (err) {
      if (err instanceof StaleConnection) return this.send(method, path, payload, false)
      throw err
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy()
  }

  private newAgent(maxSockets: number): http.Agent {
    const options = { keepAlive: true, maxSockets, maxFreeSockets: Math.min(maxSockets, 4) }
    const ep = this.endpoint
    return ep.kind === 'url' && ep.url.protocol === 'https:'
      ? new https.Agent(options)
      : new http.Agent(options)
  }

  private send(
    method: string,
    path: string,
    payload: Buffer | undefined,
    keepAlive: boolean,
  ): Promise<SlurmHttpResponse> {
    const ep = this.endpoint
    const headers: Record<string, string | number> = { Accept: 'application/json' }
    if (payload) {
      headers['Content-Type'] = 'application/json'
      headers['Content-Length'] = payload.length
    }
    if (ep.kind === 'url') {
      headers['X-SLURM-USER-NAME'] = ep.user
      headers['X-SLURM-USER-TOKEN'] = ep.token
    }
    const target: http.RequestOptions =
      ep.kind === 'socket'
        ? { socketPath: ep.socketPath, path }
        : {
            host: ep.url.hostname.replace(/^\[(.*)\]$/, '$1'),
            port: ep.url.port || (ep.url.protocol === 'https:' ? 443 : 80),
            path: ep.url.pathname.replace(/\/$/, '') + path,
          }
    const agent = keepAlive ? this.agent : this.newAgent(1)
    const options: http.RequestOptions = { ...target, method, headers, agent }
    const lib = ep.kind === 'url' && ep.url.protocol === 'https:' ? https : http
    return new Promise((resolve, reject) => {
      let settled = false
      const timer = setTimeout(
        () => fail(this.error(`it did not answer ${method} ${path} within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      )
      const done = () => {
        settled = true
        clearTimeout(timer)
        if (agent !== this.agent) agent.destroy()
      }
      const fail = (err: Error) => {
        if (settled) return
        done()
        req.destroy()
        reject(err)
      }
      const req = lib.request(options, (res) => {
        const chunks: Buffer[] = []
        let size = 0
        res.on('data', (chunk: Buffer) => {
          size += chunk.length
          if (size > this.maxBytes) {
            fail(this.error(`its answer to ${method} ${path} exceeds ${this.maxBytes} bytes`))
            return
          }
          chunks.push(chunk)
        })
        res.on('end', () => {
          if (settled) return
          done()
          const text = Buffer.concat(chunks).toString('utf8')
          resolve({ status: res.statusCode ?? 0, text, json: parseJson(text) })
        })
        res.on('error', (err) =>
          fail(this.error(`reading its answer to ${method} ${path} failed: ${err.message}`)),
        )
      })
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (req.reusedSocket && err.code === 'ECONNRESET') fail(new StaleConnection())
        else if (err.code?.startsWith('HPE_'))
          fail(this.error(`its answer to ${method} ${path} is not HTTP: ${err.message}`))
        else fail(this.unreachable(err))
      })
      req.end(payload)
    })
  }

  private error(what: string): LabgateError {
    return new LabgateError('backend_failed', `slurmrestd at ${this.where}: ${what}`)
  }

  private unreachable(err: NodeJS.ErrnoException): LabgateError {
    const reason = err.code && !err.message.includes(err.code) ? `${err.code} ${err.message}` : err.message
    return new LabgateError(
      'backend_failed',
      `cannot reach slurmrestd at ${this.where}: ${reason}; is it running? (scripts/slurm-cluster.sh start)`,
    )
  }
}

/** A kept-alive connection the server had closed: the request never reached it. */
class StaleConnection extends Error {}

function parseJson(text: string): unknown {
  const t = text.trimStart()
  if (!t.startsWith('{') && !t.startsWith('[')) return undefined
  try {
    return JSON.parse(t) as unknown
  } catch {
    return undefined
  }
}
