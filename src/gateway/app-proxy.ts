import { rejectUpgrade, responseHead } from '../http/upgrade-reply.js'
import {
  Agent,
  request,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http'
import type { Duplex } from 'node:stream'
import { Transform } from 'node:stream'
import { ownsHandle, type SandboxEndpoint, type SessionBackend } from '../backends/backend.js'
import { LabgateError } from '../domain/errors.js'
import type { Session } from '../store/rows.js'
import { clientResponseHeaders, upstreamRequestHeaders } from './proxy-headers.js'

/** Options of {@link AppProxy}. */
export interface AppProxyOptions {
  /** The sessions' backend: its `connect` says where an app's port is dialed. */
  backend: SessionBackend
  /** Largest request body forwarded to an app, bytes (default 10 MiB); larger ones get 413. */
  maxBodyBytes?: number
  /**
   * Most requests in flight plus open WebSockets to one session's apps at once (default
   * {@link DEFAULT_MAX_CONNECTIONS_PER_SESSION}); more get a 429 saying so.
   */
  maxConnectionsPerSession?: number
  /** An app that stays silent this long (ms) on a connection gets it closed: 504 (default 5 minutes). */
  timeoutMs?: number
  log?: (msg: string) => void
}

/** Default of {@link AppProxyOptions.maxConnectionsPerSession}. */
export const DEFAULT_MAX_CONNECTIONS_PER_SESSION = 128

/** The text of a 429 when a session's apps have `max` connections open already. */
export const tooManyConnections = (max: number) =>
  `Too many open connections to this session's web apps (at most ${max}): close some tabs or try again in a moment`

/** One proxied request: where it goes and what the app is told. */
export interface ProxyTarget {
  /** The session whose app it is (connections are counted per session). */
  session: string
  upstream: SandboxEndpoint
  /** The app's port in the sandbox. */
  port: number
  /** Path and query as the app sees them (the gateway's prefix removed), starting with `/`. */
  path: string
  /** The prefix the browser sees, without a trailing slash: `/sessions/<s>/apps/<ingress>`. */
  prefix: string
  proto: 'http' | 'https'
  /** Serve the response as an opaque origin (see `clientResponseHeaders`). */
  isolate: boolean
}

/** Why an app cannot be reached, as an HTTP status and a short text for the browser. */
export class AppUnavailableError extends Error {
  constructor(
    readonly status: 502 | 503 | 504,
    message: string,
  ) {
    super(message)
    this.name = 'AppUnavailableError'
  }
}

/** The text of a 502 when nothing answers on `port`. */
export const nothingListening = (port: number) => `Nothing is listening on port ${port} in this session yet`

/**
 * Proxies HTTP requests and WebSocket upgrades to web apps listening on `127.0.0.1:<port>` inside session
 * sandboxes, at the address the backend's `connect` gives. Idle connections to a unix socket (one per
 * session and port) are kept and reused; TCP ones are not. Bodies stream both ways; request bodies are capped. Sessions of a backend without `connect` (or
 * of another backend than this labgate's) get a 502 saying so.
 */
export class AppProxy {
  /** See {@link AppProxyOptions.maxBodyBytes}. */
  readonly maxBodyBytes: number
  readonly #backend: SessionBackend
  readonly #timeoutMs: number
  readonly #maxPerSession: number
  readonly #open = new Map<string, number>()
  readonly #log: (msg: string) => void
  readonly #agent = new Agent({ keepAlive: true, maxFreeSockets: 4, timeout: 30_000 })

  constructor(o: AppProxyOptions) {
    this.#backend = o.backend
    this.maxBodyBytes = o.maxBodyBytes ?? 10 * 1024 * 1024
    this.#timeoutMs = o.timeoutMs ?? 5 * 60_000
    this.#maxPerSession = o.maxConnectionsPerSession ?? DEFAULT_MAX_CONNECTIONS_PER_SESSION
    this.#log = o.log ?? ((msg) => console.warn(msg))
  }

  /**
   * Where port `port` of session `s`'s sandbox (or a job's: any named sandbox with a handle) is dialed (asking the backend on every call, so that a
   * sandbox that went is noticed). Throws {@link AppUnavailableError}: 503 while the sandbox is not (or no
   * longer) running, 502 for a backend without `connect` or one that cannot reach the sandbox's network (with
   * the backend's own message when it marks it `visible`, e.g. a port of the host held by another program).
   */
  async upstream(s: Pick<Session, 'name' | 'handle' | 'backend'>, port: number): Promise<SandboxEndpoint> {
    if (!s.handle) throw new AppUnavailableError(503, 'This session is still starting: try again in a moment')
    if (!this.#backend.connect || !ownsHandle(this.#backend, s.handle)) {
      throw new AppUnavailableError(
        502,
        `Web apps in sessions are not available with the ${s.backend} backend`,
      )
    }
    try {
      return await this.#backend.connect(s.handle, port)
    } catch (e) {
      if (e instanceof LabgateError && e.code === 'unavailable')
        throw new AppUnavailableError(503, "This session's sandbox is not running")
      // A refusal the backend words for the browser (say, a port held outside the sandbox).
      if (e instanceof LabgateError && e.detail?.visible === true)
        throw new AppUnavailableError(502, e.message)
      this.#log(`app proxy: ${s.name} port ${port}: ${(e as Error).message}`)
      throw new AppUnavailableError(502, "Could not reach the session's network: try again in a moment")
    }
  }

  /**
   * The request to the app for `req`: its headers rewritten; upgrades get a connection of their own.
   * Null when Node refuses to send it: a header value it cannot write (a NUL, say), which its own parser
   * never lets in from a socket but an in-process request can carry.
   */
  #upstreamRequest(req: IncomingMessage, t: ProxyTarget, upgrade: boolean) {
    try {
      return this.#newRequest(req, t, upgrade)
    } catch {
      return null
    }
  }

  #newRequest(req: IncomingMessage, t: ProxyTarget, upgrade: boolean) {
    return request({
      ...t.upstream,
      method: req.method,
      path: t.path,
      headers: upstreamRequestHeaders(req.headers, {
        port: t.port,
        prefix: t.prefix,
        proto: t.proto,
        remoteAddress: req.socket.remoteAddress,
        upgrade,
      }),
      // A TCP address may be one port of the host's shared by sessions (`network: host`), so connections
      // to it are never pooled: an idle one could still lead to the previous holder of that port.
      agent: upgrade || !('socketPath' in t.upstream) ? false : this.#agent,
      timeout: this.#timeoutMs,
    })
  }

  /**
   * Forwards one HTTP request (`req`, whose body has not been read) to the app and streams its answer to
   * `res`; 429 when the session has `maxConnectionsPerSession` open already. Answers itself with 502 when the app does not answer (nothing listening, connection closed
   * before a response), 504 on timeout, 413 when the body passes the cap. Never throws.
   */
  forward(req: IncomingMessage, res: ServerResponse, t: ProxyTarget): void {
    const release = this.#admit(t.session)
    if (!release) {
      req.resume()
      return plain(res, 429, tooManyConnections(this.#maxPerSession), { connection: 'close' })
    }
    res.once('close', release)
    let failed: 'too-large' | 'timeout' | null = null
    const upstream = this.#upstreamRequest(req, t, false)
    if (!upstream) {
      req.resume()
      return plain(res, 400, BAD_HEADER, { connection: 'close' })
    }
    upstream.on('timeout', () => {
      failed ??= 'timeout'
      upstream.destroy()
    })
    upstream.on('response', (answer) => {
      const headers = clientResponseHeaders(answer.headers, {
        port: t.port,
        prefix: t.prefix,
        isolate: t.isolate,
      })
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, headers)
      answer.pipe(res)
      answer.on('error', () => res.destroy())
    })
    upstream.on('error', () => {
      if (res.headersSent || res.destroyed) return void res.destroy()
      if (failed === 'too-large') return
      if (failed === 'timeout') return plain(res, 504, `The app on port ${t.port} did not answer in time`)
      plain(res, 502, nothingListening(t.port))
    })
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy()
    })
    let size = 0
    const cap = this.maxBodyBytes
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length
        done(size > cap ? new Error('request body too large') : null, chunk)
      },
    })
    counter.on('error', () => {
      failed = 'too-large'
      req.unpipe(counter)
      upstream.destroy()
      if (!res.headersSent) plain(res, 413, 'Request body is too large', { connection: 'close' })
    })
    req.pipe(counter).pipe(upstream)
  }

  /**
   * Forwards a WebSocket (or other) upgrade request to the app and, once it switches protocols, splices
   * the two connections. An app that answers without upgrading has its answer passed on; one that cannot be
   * reached gets the client a 502. Counted against the session's cap until the client's side closes (429
   * past it). Never throws.
   */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, t: ProxyTarget): void {
    const release = this.#admit(t.session)
    if (!release) return rejectUpgrade(socket, 429, tooManyConnections(this.#maxPerSession))
    if (socket.destroyed) return release()
    socket.once('close', release)
    const upstream = this.#upstreamRequest(req, t, true)
    if (!upstream) return rejectUpgrade(socket, 400, BAD_HEADER)
    socket.on('error', () => upstream.destroy())
    upstream.on('timeout', () => upstream.destroy())
    upstream.on('error', () => rejectUpgrade(socket, 502, nothingListening(t.port)))
    upstream.on('upgrade', (answer, appSocket, appHead) => {
      upstream.setTimeout(0)
      appSocket.setTimeout(0)
      const headers = clientResponseHeaders(answer.headers, {
        port: t.port,
        prefix: t.prefix,
        isolate: t.isolate,
      })
      headers.connection = 'Upgrade'
      if (answer.headers.upgrade) headers.upgrade = answer.headers.upgrade
      socket.write(
        responseHead(answer.statusCode ?? 101, answer.statusMessage ?? 'Switching Protocols', headers),
      )
      if (appHead.length) socket.write(appHead)
      if (head.length) appSocket.write(head)
      appSocket.on('error', () => socket.destroy())
      socket.on('close', () => appSocket.destroy())
      appSocket.on('close', () => socket.destroy())
      socket.pipe(appSocket).pipe(socket)
    })
    upstream.on('response', (answer) => {
      const headers = clientResponseHeaders(answer.headers, {
        port: t.port,
        prefix: t.prefix,
        isolate: t.isolate,
      })
      headers.connection = 'close'
      socket.write(responseHead(answer.statusCode ?? 502, answer.statusMessage ?? '', headers))
      answer.pipe(socket)
    })
    upstream.end()
  }

  /** Open connections to `session`'s apps (requests in flight and WebSockets), for tests and diagnostics. */
  openConnections(session: string): number {
    return this.#open.get(session) ?? 0
  }

  /** Counts one more connection of `session`: its release (idempotent), or null at the cap. */
  #admit(session: string): (() => void) | null {
    const n = this.#open.get(session) ?? 0
    if (n >= this.#maxPerSession) return null
    this.#open.set(session, n + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.#open.get(session) ?? 1) - 1
      if (left > 0) this.#open.set(session, left)
      else this.#open.delete(session)
    }
  }

  /** Drops idle connections (for shutdown). Idempotent. */
  async close(): Promise<void> {
    this.#agent.destroy()
  }
}

/** The answer to a request with a header that cannot be passed on to the app. */
const BAD_HEADER = 'The request has a header value that cannot be passed on to the app (a control character)'

function plain(res: ServerResponse, status: number, body: string, extra: OutgoingHttpHeaders = {}): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...extra,
  })
  res.end(body)
}
