import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PortForward, type KubeConfig } from '@kubernetes/client-node'

/** How long a forwarder may go unused before it is closed. */
const IDLE_MS = 10 * 60_000

/** A Pod's port, as a forwarder reaches it. */
export interface ForwardTarget {
  namespace: string
  pod: string
  uid: string
  port: number
}

interface Forwarder {
  server: Server
  path: string
  uid: string
  idle: NodeJS.Timeout
  sockets: Set<Socket>
}

/**
 * Ports of Pods served on unix sockets through the API server's port-forward (for a labgate outside the
 * cluster, which cannot dial Pod IPs): a forwarder per (Pod, port), made on first use in a private
 * directory, where each connection is one port-forward WebSocket (the client's `PortForward`: data on
 * channel 0, errors on 1, each opened by the port number). A port nothing listens on is closed by the
 * API server, so the connection closes without data, as a closed port does. Forwarders close when
 * their Pod is dropped, after 10 minutes unused, and on {@link close}.
 */
export class PortForwards {
  readonly #kc: KubeConfig
  readonly #forwarders = new Map<string, Forwarder>()
  #dir: string | null = null
  #made = 0

  constructor(kc: KubeConfig) {
    this.#kc = kc
  }

  /** The unix socket that reaches `target`, starting its forwarder on first use. */
  async socketFor(target: ForwardTarget): Promise<string> {
    const key = `${target.namespace}/${target.pod}/${target.uid}/${target.port}`
    const existing = this.#forwarders.get(key)
    if (existing) {
      existing.idle.refresh()
      return existing.path
    }
    this.#dir ??= mkdtempSync(join(tmpdir(), 'labgate-kube-forwards-'))
    // Short: a unix socket's path has room for about 100 bytes.
    const path = join(this.#dir, `${++this.#made}.sock`)
    const sockets = new Set<Socket>()
    const server = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      this.#forward(socket, target)
    })
    const idle = setTimeout(() => this.#closeOne(key), IDLE_MS).unref()
    this.#forwarders.set(key, { server, path, uid: target.uid, idle, sockets })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(path, () => resolve())
    })
    return path
  }

  /** Closes every forwarder of the Pod of `uid` (it stopped). */
  drop(uid: string): void {
    for (const [key, f] of this.#forwarders) if (f.uid === uid) this.#closeOne(key)
  }

  /** Closes every forwarder and removes their directory. */
  close(): void {
    for (const key of [...this.#forwarders.keys()]) this.#closeOne(key)
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true })
    this.#dir = null
  }

  #forward(socket: Socket, target: ForwardTarget): void {
    socket.on('error', () => socket.destroy())
    new PortForward(this.#kc)
      .portForward(target.namespace, target.pod, [target.port], socket, null, socket)
      .then((ws) => {
        const stream = ws as unknown as { on(e: 'close', l: () => void): void; close(): void }
        stream.on('close', () => socket.end())
        socket.on('close', () => stream.close())
      })
      .catch(() => socket.destroy())
  }

  #closeOne(key: string): void {
    const f = this.#forwarders.get(key)
    if (!f) return
    this.#forwarders.delete(key)
    clearTimeout(f.idle)
    f.server.close()
    for (const s of f.sockets) s.destroy()
  }
}
