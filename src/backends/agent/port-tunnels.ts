import { mkdirSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import type { Duplex } from 'node:stream'

/** A tunnel is closed once no connection used it for this long, ms. */
const IDLE_MS = 10 * 60_000

interface Tunnel {
  server: Server
  path: string
  ready: Promise<void>
  sockets: Set<Socket>
  lastUsed: number
}

/**
 * Unix sockets in labgate's process that lead to ports inside sandboxes behind agents: the app proxy dials
 * the socket (an address it can keep idle connections to), and each accepted connection is carried to the
 * port by `dial` (over the agent's connection). One socket per (session, port), in a 0700 directory of
 * `runDir`, made on first use and kept until idle for ten minutes, {@link closeSession} or {@link close}.
 * A dial that fails (nothing listens, the agent went away) closes the accepted connection before any byte:
 * what a closed port looks like.
 */
export class PortTunnels {
  readonly #runDir: string
  readonly #tunnels = new Map<string, Tunnel>()
  readonly #sweep: NodeJS.Timeout

  constructor(runDir: string) {
    this.#runDir = runDir
    this.#sweep = setInterval(() => this.#closeIdle(), 60_000)
    this.#sweep.unref()
  }

  /** The socket leading to `port` of `session`, made now if needed; `dial` opens each connection's far end. */
  async socketFor(session: string, port: number, dial: () => Promise<Duplex>): Promise<string> {
    const key = `${session}:${port}`
    let t = this.#tunnels.get(key)
    if (!t) {
      const dir = join(this.#runDir, session)
      mkdirSync(dir, { recursive: true, mode: 0o700 })
      const path = join(dir, `${port}.sock`)
      rmSync(path, { force: true })
      const sockets = new Set<Socket>()
      const server = createServer((conn) => {
        sockets.add(conn)
        conn.once('close', () => sockets.delete(conn))
        conn.on('error', () => {})
        conn.pause()
        dial().then(
          (far) => {
            far.on('error', () => conn.destroy())
            conn.on('close', () => far.destroy())
            // after a clean end, pipe has ended the connection, which closes once its bytes are out
            far.on('close', () => {
              if (!conn.writableEnded) conn.destroy()
            })
            conn.pipe(far)
            far.pipe(conn)
            conn.resume()
          },
          () => conn.destroy(),
        )
      })
      const ready = new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(path, () => resolve())
      })
      t = { server, path, ready, sockets, lastUsed: Date.now() }
      this.#tunnels.set(key, t)
      ready.catch(() => this.#tunnels.delete(key))
    }
    t.lastUsed = Date.now()
    await t.ready
    return t.path
  }

  /** Closes the session's sockets and the connections through them. */
  closeSession(session: string): void {
    for (const [key, t] of this.#tunnels) if (key.startsWith(`${session}:`)) this.#closeTunnel(key, t)
    rmSync(join(this.#runDir, session), { recursive: true, force: true })
  }

  /** Closes every socket. */
  close(): void {
    clearInterval(this.#sweep)
    for (const [key, t] of this.#tunnels) this.#closeTunnel(key, t)
  }

  #closeIdle(): void {
    const now = Date.now()
    for (const [key, t] of this.#tunnels)
      if (t.sockets.size === 0 && now - t.lastUsed > IDLE_MS) this.#closeTunnel(key, t)
  }

  #closeTunnel(key: string, t: Tunnel): void {
    this.#tunnels.delete(key)
    t.server.close()
    for (const s of t.sockets) s.destroy()
    rmSync(t.path, { force: true })
  }
}
