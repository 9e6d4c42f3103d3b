import { createHmac, timingSafeEqual } from 'node:crypto'
import http, { type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { urlForLog } from '../url-for-log.js'

/** The header that marks a request one replica relayed to another: it is never relayed again. */
export const RELAY_HEADER = 'x-labgate-relay'

/** Where a session's requests are served. */
export type Holder =
  /** here: this replica holds the sandbox, or the session has none (ended, never started) */
  | { at: 'here' }
  /** at a live peer's address */
  | { at: 'peer'; replica: string; address: string }
  /** nowhere now: the holding replica is not answering (its sessions fail once it is gone for good) */
  | { at: 'unreachable'; replica: string }

export interface RelayOptions {
  /** The session a request is for (from its path after host routing); null for any other request. */
  sessionOf(req: IncomingMessage): string | null
  /** Where session `name`'s requests go; synchronous when known without a read. */
  holderOf(name: string): Holder | Promise<Holder>
  /** A secret the replicas share: relayed requests carry a mark derived from it. */
  key: Buffer
  log: (m: string) => void
}

/**
 * Sends the requests and WebSocket upgrades for sessions that another replica holds to that replica, so
 * that a load balancer needs no stickiness: a dashboard, terminal or app request may land on any replica.
 * It sits in front of every listener of the HTTP server (its `emit`): a request for a session held here
 * goes on as if the relay were not there, at once when the holder is known; one for a peer's session is
 * forwarded as is (host, path, headers, body), marked so that the peer serves it itself, and the answer
 * (or the upgraded connection) comes back through this replica.
 */
export class Relay {
  readonly #mark: string
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: 256 })

  constructor(private readonly o: RelayOptions) {
    this.#mark = createHmac('sha256', o.key).update('labgate relay').digest('hex')
  }

  /** Puts the relay in front of `server`'s `request` and `upgrade` listeners. */
  install(server: Server): void {
    const emit = server.emit.bind(server) as (event: string, ...args: unknown[]) => boolean
    server.emit = ((event: string, ...args: unknown[]) => {
      if (event === 'request') {
        const [req, res] = args as [IncomingMessage, ServerResponse]
        return this.#route(
          req,
          () => emit(event, ...args),
          (a) => this.#forward(req, res, a),
          (h) => unreachable(res, h),
        )
      }
      if (event === 'upgrade') {
        const [req, socket, head] = args as [IncomingMessage, Duplex, Buffer]
        return this.#route(
          req,
          () => emit(event, ...args),
          (a) => this.#forwardUpgrade(req, socket, head, a),
          (h) => refuseUpgrade(socket, h),
        )
      }
      return emit(event, ...args)
    }) as typeof server.emit
  }

  /** Closes the kept connections to peers. */
  close(): void {
    this.#agent.destroy()
  }

  #route(
    req: IncomingMessage,
    local: () => boolean,
    relay: (address: string) => void,
    refuse: (h: { replica: string }) => void,
  ): boolean {
    if (this.#relayed(req)) return local()
    let name: string | null
    try {
      name = this.o.sessionOf(req)
    } catch {
      name = null // a path no session has (malformed escapes): the routes answer it
    }
    if (!name) return local()
    const decide = (h: Holder) => {
      if (h.at === 'here') local()
      else if (h.at === 'peer') relay(h.address)
      else refuse(h)
    }
    const holder = this.o.holderOf(name)
    if (!(holder instanceof Promise)) {
      if (holder.at === 'here') return local()
      decide(holder)
      return true
    }
    holder.then(decide, (e: Error) => {
      this.o.log(`relay: cannot tell where session ${name} is held: ${e.message}`)
      local()
    })
    return true
  }

  /** True when `req` was relayed by a peer (its mark checked in constant time); the mark is removed. */
  #relayed(req: IncomingMessage): boolean {
    const mark = req.headers[RELAY_HEADER]
    if (mark === undefined) return false
    delete req.headers[RELAY_HEADER]
    const given = Buffer.from(String(mark))
    const want = Buffer.from(this.#mark)
    return given.length === want.length && timingSafeEqual(given, want)
  }

  #request(req: IncomingMessage, address: string, agent: http.Agent | false): http.ClientRequest {
    const target = new URL(address)
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ')
    return http.request({
      host: target.hostname,
      port: target.port || 80,
      method: req.method,
      path: req.url,
      agent,
      headers: { ...req.headers, [RELAY_HEADER]: this.#mark, 'x-forwarded-for': forwardedFor },
    })
  }

  #forward(req: IncomingMessage, res: ServerResponse, address: string): void {
    const out = this.#request(req, address, this.#agent)
    out.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.rawHeaders)
      answer.pipe(res)
    })
    out.on('error', (e) => {
      this.o.log(`relay: ${address} failed a ${req.method} ${urlForLog(req.url ?? '/')}: ${e.message}`)
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8' })
        res.end(`The server that holds this session (${address}) did not answer. Try again in a moment.\n`)
      } else res.destroy()
    })
    res.on('close', () => {
      if (!res.writableFinished) out.destroy()
    })
    req.pipe(out)
  }

  #forwardUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, address: string): void {
    socket.on('error', () => {})
    const out = this.#request(req, address, false)
    out.on('upgrade', (answer, upstream, upstreamHead) => {
      upstream.on('error', () => socket.destroy())
      socket.on('close', () => upstream.destroy())
      upstream.on('close', () => socket.destroy())
      socket.write(statusBlock(answer))
      if (upstreamHead.length > 0) socket.write(upstreamHead)
      if (head.length > 0) upstream.write(head)
      upstream.pipe(socket)
      socket.pipe(upstream)
    })
    out.on('response', (answer) => {
      // refused upstream (401, 403, 404, 429…): the client gets that answer
      socket.write(statusBlock(answer))
      answer.pipe(socket)
    })
    out.on('error', (e) => {
      this.o.log(`relay: ${address} failed an upgrade of ${urlForLog(req.url ?? '/')}: ${e.message}`)
      refuseUpgrade(socket, null)
    })
    out.end()
  }
}

/** The status line and headers of `answer`, as a raw HTTP/1.1 head. */
function statusBlock(answer: IncomingMessage): string {
  const lines = [`HTTP/1.1 ${answer.statusCode} ${answer.statusMessage ?? ''}`]
  for (let i = 0; i < answer.rawHeaders.length; i += 2)
    lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`)
  return `${lines.join('\r\n')}\r\n\r\n`
}

const UNREACHABLE = (replica: string) =>
  `The server that holds this session (replica ${replica}) is not answering. If it does not come back, ` +
  `the session is marked failed within a minute and you can start a new one.\n`

function unreachable(res: ServerResponse, h: { replica: string }): void {
  res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' })
  res.end(UNREACHABLE(h.replica))
}

function refuseUpgrade(socket: Duplex, h: { replica: string } | null): void {
  const body = h ? UNREACHABLE(h.replica) : 'The server that holds this session did not answer.\n'
  const status = h ? '503 Service Unavailable' : '502 Bad Gateway'
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}
