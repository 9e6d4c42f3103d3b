import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { LabgateError } from '../../domain/errors.js'
import type { AgentCredentials } from './agent-credentials.js'
import { AgentLink } from './agent-link.js'
import {
  AGENT_PATH,
  AGENT_PROTOCOL_VERSION,
  MAX_AGENT_FRAME,
  parseControl,
  type FromAgent,
} from './protocol.js'

/** How long an agent has, once connected, to say `hello`. */
const HELLO_TIMEOUT_MS = 10_000
/** How often open connections are pinged; one that misses a pong is dropped (the agent reconnects). */
const HEARTBEAT_MS = 20_000

/**
 * Where agents connect: serves the WebSocket of {@link AGENT_PATH} on labgate's HTTP server, authenticates
 * each agent by its bearer token (`Authorization: Bearer`, see {@link AgentCredentials}), takes its
 * `hello` (the session must be the token's), and keeps the newest connection of each session as its
 * {@link AgentLink}. A backend that runs sandboxes behind agents asks it for a session's link.
 */
export class AgentHub {
  readonly #credentials: AgentCredentials
  readonly #log: (m: string) => void
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: MAX_AGENT_FRAME })
  readonly #links = new Map<string, AgentLink>()
  readonly #waiters = new Map<string, Set<(link: AgentLink) => void>>()
  readonly #alive = new WeakSet<WebSocket>()
  readonly #heartbeat: NodeJS.Timeout

  constructor(o: { credentials: AgentCredentials; log: (m: string) => void }) {
    this.#credentials = o.credentials
    this.#log = o.log
    this.#heartbeat = setInterval(() => this.#ping(), HEARTBEAT_MS)
    this.#heartbeat.unref()
  }

  /**
   * Takes an HTTP upgrade when its path is the agents' (returns true; it is answered, 401 for a missing or
   * wrong token), else returns false and leaves it alone.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '/').split('?')[0]
    if (path !== AGENT_PATH) return false
    socket.on('error', () => {})
    const auth = req.headers.authorization ?? ''
    const token = /^Bearer ([\x21-\x7e]{1,512})$/.exec(auth)?.[1]
    void (token ? this.#credentials.check(token) : Promise.resolve(null))
      .then((session) => {
        if (!session) return refuse(socket, 401, 'Unauthorized')
        this.#wss.handleUpgrade(req, socket, head, (ws) => this.#greet(ws, session))
      })
      .catch((err: unknown) => {
        this.#log(`agent: upgrade failed: ${String(err)}`)
        refuse(socket, 500, 'Internal Server Error')
      })
    return true
  }

  /** The open connection of `session`'s agent, if there is one. */
  link(session: string): AgentLink | undefined {
    const link = this.#links.get(session)
    return link?.open ? link : undefined
  }

  /**
   * Resolves with `session`'s link once its agent is connected (at once when it is). Rejects with
   * `unavailable` after `timeoutMs`, or when `signal` aborts.
   */
  waitFor(session: string, timeoutMs: number, signal?: AbortSignal): Promise<AgentLink> {
    const now = this.link(session)
    if (now) return Promise.resolve(now)
    return new Promise((resolve, reject) => {
      const set = this.#waiters.get(session) ?? new Set()
      this.#waiters.set(session, set)
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
        set.delete(onLink)
        if (set.size === 0) this.#waiters.delete(session)
      }
      const onLink = (link: AgentLink) => {
        done()
        resolve(link)
      }
      const onAbort = () => {
        done()
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'))
      }
      const timer = setTimeout(() => {
        done()
        reject(new LabgateError('unavailable', `the agent of ${session} did not connect`))
      }, timeoutMs)
      set.add(onLink)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Closes every agent connection (the agents reconnect to the next labgate) and stops serving. */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat)
    for (const link of this.#links.values()) link.close()
    this.#links.clear()
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()))
  }

  #greet(ws: WebSocket, session: string): void {
    this.#alive.add(ws)
    ws.on('pong', () => this.#alive.add(ws))
    ws.on('error', () => {})
    const timer = setTimeout(() => ws.close(4000, 'no hello'), HELLO_TIMEOUT_MS)
    ws.once('message', (data, isBinary) => {
      clearTimeout(timer)
      const msg = isBinary ? null : parseControl<FromAgent>(String(data))
      if (msg?.t !== 'hello' || msg.v !== AGENT_PROTOCOL_VERSION || msg.session !== session) {
        this.#log(`agent of ${session}: refused: its hello was not for this session and protocol`)
        ws.close(4001, 'hello refused')
        return
      }
      const link = new AgentLink(ws, {
        session,
        ready: msg.ready === true,
        startedAt: Number(msg.startedAt) || 0,
      })
      this.#links.get(session)?.close()
      this.#links.set(session, link)
      link.onClose(() => {
        if (this.#links.get(session) === link) this.#links.delete(session)
      })
      for (const w of [...(this.#waiters.get(session) ?? [])]) w(link)
    })
  }

  #ping(): void {
    for (const ws of this.#wss.clients) {
      if (!this.#alive.has(ws)) {
        ws.terminate()
        continue
      }
      this.#alive.delete(ws)
      ws.ping()
    }
  }
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}
