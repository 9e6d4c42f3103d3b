/**
 * The job-status WebSocket at `jobs/<id>/`: the server sends `{"status", "current_job_details"}` (text
 * frames, as the HuBMAP server does) once on connecting and again on every change of the job; what the
 * client sends is ignored. Unlike the original, it is authenticated: the job's owner only, with the
 * workspaces token in `UWS-Authorization` / `Authorization` (clients that can set headers) or, from a
 * browser, as the WebSocket subprotocols `labgate-token, <token>` (the server answers `labgate-token`).
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { LabgateError } from '../../domain/errors.js'
import { rejectUpgrade } from '../../http/upgrade-reply.js'
import type { JobRecord } from '../../store/workspace-records.js'
import type { WorkspaceStore } from '../../store/workspace-store.js'
import { tokenOf } from './uws-auth.js'
import type { UwsAuth } from './uws-route.js'

/** The subprotocol that announces a token as the next one. */
export const TOKEN_PROTOCOL = 'labgate-token'

const PATH = /^\/jobs\/(\d{1,15})\/?$/

/** What a refused upgrade's body says. */
const STATUS_TEXT: Record<number, string> = {
  401: 'A workspaces token is needed: UWS-Authorization, Authorization, or the labgate-token subprotocol.',
  404: 'No such job of yours.',
  429: 'Too many job-status sockets open.',
}

/** Where job changes come from (the job runner). `onChange` returns a function that unsubscribes. */
export interface JobChanges {
  onChange(listener: (job: JobRecord) => void): () => void
}

export interface JobStatusSocketOptions {
  auth: UwsAuth
  jobs: Pick<WorkspaceStore, 'getJob'>
  changes: JobChanges
  /** Open sockets one user may hold (default 20); more are refused with 429. */
  maxPerUser?: number
  /** Ping interval; a peer that misses a pong is dropped (default 30 s). */
  heartbeatMs?: number
}

/** The frame a job's watchers get. */
export const statusFrame = (job: JobRecord): string =>
  JSON.stringify({ status: job.status, current_job_details: job.details.current_job_details })

/**
 * Serves the job-status WebSocket. `upgrade` is for the HTTP server's `upgrade` event: it returns false,
 * touching nothing, for another path, and otherwise answers (101, or 401/404/429 and closes). `close`
 * closes every socket (1001) and stops listening to changes.
 */
export function jobStatusSockets(o: JobStatusSocketOptions) {
  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 1024,
    handleProtocols: (protocols) => (protocols.has(TOKEN_PROTOCOL) ? TOKEN_PROTOCOL : false),
  })
  const watchers = new Map<number, Set<WebSocket>>()
  const perUser = new Map<string, number>()
  const last = new WeakMap<WebSocket, string>()
  const alive = new WeakSet<WebSocket>()
  const max = o.maxPerUser ?? 20

  const send = (ws: WebSocket, job: JobRecord) => {
    const frame = statusFrame(job)
    if (last.get(ws) === frame) return
    last.set(ws, frame)
    ws.send(frame)
  }
  const unsubscribe = o.changes.onChange((job) => {
    for (const ws of watchers.get(job.id) ?? []) send(ws, job)
  })
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.delete(ws)) ws.terminate()
      else ws.ping()
    }
  }, o.heartbeatMs ?? 30_000)
  heartbeat.unref()

  async function admit(
    req: IncomingMessage,
    id: number,
  ): Promise<{ userId: string; job: JobRecord } | number> {
    let token: string | null
    try {
      token = tokenOf(req.headers) ?? tokenFromProtocols(req.headers['sec-websocket-protocol'])
    } catch (e) {
      if (e instanceof LabgateError) return 401
      throw e
    }
    if (!token) return 401
    const user = await o.auth.authenticate(token)
    if (!user) return 401
    const job = await o.jobs.getJob(id)
    // another user's job is as unknown as a missing one
    if (!job || job.ownerId !== user.userId) return 404
    if ((perUser.get(user.userId) ?? 0) >= max) return 429
    return { userId: user.userId, job }
  }

  function open(ws: WebSocket, userId: string, job: JobRecord) {
    perUser.set(userId, (perUser.get(userId) ?? 0) + 1)
    const set = watchers.get(job.id) ?? new Set()
    set.add(ws)
    watchers.set(job.id, set)
    alive.add(ws)
    ws.on('pong', () => alive.add(ws))
    ws.on('error', () => ws.terminate())
    ws.once('close', () => {
      set.delete(ws)
      if (set.size === 0) watchers.delete(job.id)
      const n = (perUser.get(userId) ?? 1) - 1
      if (n === 0) perUser.delete(userId)
      else perUser.set(userId, n)
    })
    send(ws, job)
    // a change between the lookup and the subscription: read again, sent only when it differs
    void o.jobs.getJob(job.id).then(
      (now) => now && ws.readyState === ws.OPEN && send(ws, now),
      () => {},
    )
  }

  return {
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean {
      const match = PATH.exec(new URL(req.url ?? '/', 'http://x').pathname)
      if (!match) return false
      socket.on('error', () => {})
      admit(req, Number(match[1]))
        .then((a) => {
          if (typeof a === 'number') return rejectUpgrade(socket, a, `${STATUS_TEXT[a] ?? 'Refused'}\n`)
          wss.handleUpgrade(req, socket, head, (ws) => open(ws, a.userId, a.job))
        })
        .catch((e: unknown) => {
          o.auth.log(`job status socket: ${e instanceof Error ? e.message : String(e)}`)
          rejectUpgrade(socket, 503, 'Service Unavailable\n')
        })
      return true
    },
    /** Sockets open now (for tests and diagnostics). */
    get open(): number {
      return wss.clients.size
    },
    close(): void {
      unsubscribe()
      clearInterval(heartbeat)
      for (const ws of wss.clients) ws.close(1001, 'labgate is shutting down')
      wss.close()
    },
  }
}

/** The token after `labgate-token` in a `Sec-WebSocket-Protocol` header; null when there is none. */
export function tokenFromProtocols(header: string | string[] | undefined): string | null {
  const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((p) => p.trim())
  const at = list.indexOf(TOKEN_PROTOCOL)
  return at >= 0 && list[at + 1] ? list[at + 1]! : null
}
