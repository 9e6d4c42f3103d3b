/**
 * A small HTTP/1.1 client over node:http with keep-alive, so timed requests pay for one request and its
 * response, not for a new connection or a fetch implementation's machinery. It never follows redirects.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'

export interface HttpResponse {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

export interface HttpOptions {
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Give up after this many ms (default 30 s). */
  timeoutMs?: number
}

export class HttpClient {
  readonly agent: Agent

  constructor(
    readonly base: string,
    maxSockets = 64,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets })
  }

  /** Sends one request to `base + path` and resolves with the whole response. */
  send(path: string, o: HttpOptions = {}): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...o.headers }
      if (o.body !== undefined) headers['content-length'] = String(Buffer.byteLength(o.body))
      const req = httpRequest(
        this.base + path,
        { method: o.method ?? 'GET', headers, agent: this.agent, timeout: o.timeoutMs ?? 30_000 },
        (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (c: string) => (body += c))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
          res.on('error', reject)
        },
      )
      req.on('timeout', () => req.destroy(new Error(`${o.method ?? 'GET'} ${path}: timed out`)))
      req.on('error', reject)
      req.end(o.body)
    })
  }

  close(): void {
    this.agent.destroy()
  }
}
