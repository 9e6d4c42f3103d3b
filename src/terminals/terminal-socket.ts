import type { IncomingMessage, Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { LabgateError } from '../domain/errors.js'
import type { Session } from '../store/rows.js'
import { CLOSE, MAX_FRAME_BYTES, PONG, exitFrame, parseClientFrame, type TerminalSize } from './protocol.js'
import {
  CONNECTION_INPUT_LIMITS,
  InputMeter,
  SESSION_INPUT_LIMITS,
  type InputRateLimits,
} from './rate-limit.js'
import {
  TERMINAL_ID,
  type TerminalAttachment,
  type TerminalClient,
  type TerminalManager,
} from './terminal-manager.js'

/** Options of {@link attachTerminalSockets}. */
export interface TerminalSocketOptions {
  /**
   * Decides whether the upgrade request may open a terminal of `session`: resolves to the session (which
   * must be RUNNING, with a sandbox handle) and the environment for its shells, or null (→ 403). A thrown
   * `LabgateError` refuses too: `not_found` → 404, `unauthenticated` → 401, others → 403; any other error →
   * 500, logged.
   */
  authorize: (
    req: IncomingMessage,
    session: string,
  ) => Promise<{ sessionRow: Session; env: Record<string, string> } | null>
  terminals: TerminalManager
  /**
   * Whether the upgrade's `Origin` may open a terminal of `session` (false → 403). Default: no Origin, or
   * one of the host asked (the Host header).
   */
  originAllowed?: (req: IncomingMessage, session: string) => boolean
  /** Maps the request URL before routing, e.g. host routing's `<session>.<domain>/x` → `/sessions/<session>/x`. */
  rewriteUrl?: (req: IncomingMessage) => string
  /** Protocol-level ping interval; a client that missed the previous ping is dropped (default 30 s). */
  heartbeatMs?: number
  /** How long a client may stay backed up (output paused for everyone) before it is dropped (default 30 s). */
  stallTimeoutMs?: number
  /** Most terminal sockets open at once for one session; more are refused with 429 (default 32). */
  maxConnectionsPerSession?: number
  /**
   * Frames and bytes one socket may send (bursts and sustained rates); a socket over them is sent an `x`
   * frame and closed with {@link CLOSE.tooFast} (default {@link CONNECTION_INPUT_LIMITS}).
   */
  connectionLimits?: InputRateLimits
  /** The same across all of one session's sockets (default {@link SESSION_INPUT_LIMITS}). */
  sessionLimits?: InputRateLimits
  clock?: () => number
  log?: (msg: string) => void
}

/** What {@link attachTerminalSockets} returns. */
export interface TerminalSockets {
  /** Stops handling upgrades and drops the open sockets (the shells keep running). Idempotent. */
  close(): void
}

const PATH = /^\/sessions\/([^/]+)\/terminal\/([^/]+)$/
/** Output a client may have queued before it counts as backed up, and the mark it must fall under again. */
const HIGH_WATER = 1024 * 1024
const LOW_WATER = 256 * 1024

/**
 * Serves terminal WebSockets on `server` at `/sessions/<session>/terminal/<id>[?cols=&rows=]`. Other upgrade
 * paths are left to other `upgrade` listeners, except that a path under `/sessions/` that no other listener
 * exists for is answered 404. Before upgrading it refuses over the raw socket: 403 for an Origin
 * `originAllowed` refuses (default: present and not the Host), 404 for a malformed terminal id, and what
 * `authorize` decides. Input frames count as activity (through the manager); pings and (re)connections do
 * not.
 */
export function attachTerminalSockets(server: Server, o: TerminalSocketOptions): TerminalSockets {
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  const log = o.log ?? ((msg: string) => console.warn(msg))
  const alive = new WeakSet<WebSocket>()
  const sessions = new Map<string, { sockets: number; meter: InputMeter }>()
  /** Counts a socket of `session`; null when the session has too many. Call the returned release once. */
  const admit = (session: string): { meter: InputMeter; release: () => void } | null => {
    const s = sessions.get(session) ?? {
      sockets: 0,
      meter: new InputMeter(o.sessionLimits ?? SESSION_INPUT_LIMITS, o.clock),
    }
    if (s.sockets >= (o.maxConnectionsPerSession ?? 32)) return null
    s.sockets++
    sessions.set(session, s)
    let released = false
    const release = () => {
      if (released) return
      released = true
      if (--s.sockets === 0) sessions.delete(session)
    }
    return { meter: s.meter, release }
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(o.rewriteUrl?.(req) ?? req.url ?? '/', 'http://x')
    const match = PATH.exec(url.pathname)
    if (!match) {
      if (url.pathname.startsWith('/sessions/') && server.listenerCount('upgrade') === 1) {
        refuse(socket, 404)
      }
      return
    }
    socket.on('error', () => {})
    const [session, id] = [decode(match[1] as string), decode(match[2] as string)]
    if (!(o.originAllowed ?? sameOrigin)(req, session ?? '')) return refuse(socket, 403)
    if (!session || !id || !TERMINAL_ID.test(id)) return refuse(socket, 404)
    const size = sizeFrom(url.searchParams)
    authorizeUpgrade(o, req, session, log)
      .then((access) => {
        if (typeof access === 'number') return refuse(socket, access)
        const admitted = admit(session)
        if (!admitted) return refuse(socket, 429)
        socket.once('close', admitted.release)
        wss.handleUpgrade(req, socket, head, (ws) => {
          alive.add(ws)
          ws.on('pong', () => alive.add(ws))
          ws.once('close', admitted.release)
          const meter = new InputMeter(o.connectionLimits ?? CONNECTION_INPUT_LIMITS, o.clock)
          serve(ws, o, log, { session, id, size, ...access }, [meter, admitted.meter])
        })
      })
      .catch((err: unknown) => {
        log(`terminal ${session}/${id}: upgrade failed: ${err instanceof Error ? err.stack : String(err)}`)
        socket.destroy()
      })
  }
  server.on('upgrade', onUpgrade)

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      // A paused socket (its terminal holds too much unread input) reads no pong until it resumes.
      if (ws.isPaused) continue
      if (!alive.delete(ws)) ws.terminate()
      else ws.ping()
    }
  }, o.heartbeatMs ?? 30_000).unref()

  return {
    close: () => {
      server.off('upgrade', onUpgrade)
      clearInterval(heartbeat)
      for (const ws of wss.clients) ws.terminate()
      wss.close()
    },
  }
}

async function authorizeUpgrade(
  o: TerminalSocketOptions,
  req: IncomingMessage,
  session: string,
  log: (msg: string) => void,
): Promise<{ handle: NonNullable<Session['handle']>; env: Record<string, string> } | number> {
  try {
    const access = await o.authorize(req, session)
    if (!access) return 403
    if (access.sessionRow.name !== session || !access.sessionRow.handle) return 404
    return { handle: access.sessionRow.handle, env: access.env }
  } catch (err) {
    if (!(err instanceof LabgateError)) {
      log(`terminal ${session}: authorize failed: ${err instanceof Error ? err.stack : String(err)}`)
      return 500
    }
    return err.code === 'not_found' ? 404 : err.code === 'unauthenticated' ? 401 : 403
  }
}

/** Runs one accepted socket: attaches it to its terminal and relays frames both ways. */
function serve(
  ws: WebSocket,
  o: TerminalSocketOptions,
  log: (msg: string) => void,
  t: {
    session: string
    id: string
    size: TerminalSize | undefined
    handle: NonNullable<Session['handle']>
    env: Record<string, string>
  },
  meters: InputMeter[],
): void {
  let stall: NodeJS.Timeout | undefined
  let attachment: TerminalAttachment
  // A paused socket would not read the client's close frame: the handshake would wait for its timeout.
  const end = (code: number, reason?: string) => {
    ws.resume()
    ws.close(code, reason)
  }
  const onSent = () => {
    if (stall && ws.bufferedAmount < LOW_WATER) {
      clearTimeout(stall)
      stall = undefined
      attachment.drained()
    }
  }
  try {
    const client: TerminalClient = {
      send: (data) => {
        if (ws.readyState !== ws.OPEN) return true
        ws.send(data, { binary: true }, onSent)
        if (stall || ws.bufferedAmount < HIGH_WATER) return !stall
        stall = setTimeout(() => {
          // Detach first: the close frame waits behind the backlog, and the others must not.
          attachment.detach()
          end(CLOSE.tooSlow, 'too slow')
        }, o.stallTimeoutMs ?? 30_000)
        return false
      },
      close: (code, message) => {
        if (ws.readyState === ws.OPEN) ws.send(exitFrame(code, message))
        end(1000)
      },
      pauseInput: () => ws.pause(),
      resumeInput: () => ws.resume(),
    }
    attachment = o.terminals.attach(t.session, t.id, t.handle, t.env, client, t.size)
  } catch (err) {
    const message = err instanceof LabgateError ? err.message : 'the terminal could not be started'
    if (!(err instanceof LabgateError)) log(`terminal ${t.session}/${t.id}: ${String(err)}`)
    ws.send(exitFrame(null, message))
    ws.close(CLOSE.failed)
    return
  }
  ws.on('close', () => {
    clearTimeout(stall)
    attachment.detach()
  })
  ws.on('message', (data: Buffer, isBinary) => {
    if (ws.readyState !== ws.OPEN) return
    if (!meters.every((m) => m.take(data.length))) {
      attachment.detach()
      ws.send(exitFrame(null, 'Input arrived too fast: this terminal was disconnected.'))
      return end(CLOSE.tooFast, 'input too fast')
    }
    const frame = parseClientFrame(data, isBinary)
    if (frame === 'malformed') return end(CLOSE.malformed, 'malformed frame')
    if (frame === 'tooBig') return end(CLOSE.tooBig, 'input frame too big')
    if (frame.t === 'i') attachment.input(frame.d)
    else if (frame.t === 'r') attachment.resize(frame.size)
    else if (frame.t === 'p') ws.send(PONG)
  })
}

/** True unless the request has an Origin whose host differs from its Host header. */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  try {
    const o = new URL(origin)
    return o.host === new URL(`${o.protocol}//${req.headers.host ?? ''}`).host
  } catch {
    return false
  }
}

function sizeFrom(params: URLSearchParams): TerminalSize | undefined {
  const cols = Number(params.get('cols'))
  const rows = Number(params.get('rows'))
  return cols > 0 && rows > 0 ? { cols, rows } : undefined
}

function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment)
  } catch {
    return null
  }
}

const REASONS: Record<number, string> = {
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
}

function refuse(socket: Duplex, status: number): void {
  const reason = REASONS[status] ?? 'Error'
  socket.on('error', () => {})
  socket.once('finish', () => socket.destroy())
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\n` +
      `Content-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  )
}
