import type { IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import type { FakeKubeApiServer } from './fake-kube-api-server.js'
import { CHANNEL_PROTOCOL, refuseUpgrade } from './fake-kube-exec.js'
import { StatusError } from './fake-kube-objects.js'

const PORT_FORWARD_PATH = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/pods\/([a-z0-9.-]+)\/portforward$/

/**
 * The stand-in's port-forward endpoint (`/api/v1/namespaces/{ns}/pods/{name}/portforward?ports=N`) over
 * WebSocket, as the kubelet serves it with `v4.channel.k8s.io`: channel 0 carries the data and channel 1
 * errors, each opened by a message of the port number (2 bytes, little-endian). It dials the port on the
 * Pod's IP; a refused connection is reported on channel 1 and the socket closed.
 */
export class FakeKubePortForward {
  readonly #fake: FakeKubeApiServer
  readonly #wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(CHANNEL_PROTOCOL) ? CHANNEL_PROTOCOL : false),
  })
  readonly #open = new Set<Socket>()

  constructor(fake: FakeKubeApiServer) {
    this.#fake = fake
  }

  /** True when `url` is this endpoint's. */
  static handles(path: string): boolean {
    return PORT_FORWARD_PATH.test(path)
  }

  /** Takes an HTTP upgrade: refuses it with a Status (404, 400) or forwards. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x')
    try {
      const [, namespace, name] = PORT_FORWARD_PATH.exec(url.pathname) ?? []
      const ports = url.searchParams.getAll('ports')
      if (!namespace || !name || !this.#fake.objects.get('pods', namespace, name))
        throw new StatusError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })
      const ip = this.#fake.runningPod(namespace, name) && this.#fake.podIp(namespace, name)
      if (!ip) throw new StatusError(400, 'BadRequest', `pod ${name} is not running`)
      const port = Number(ports[0])
      if (ports.length !== 1 || !Number.isInteger(port) || port < 1 || port > 65535)
        throw new StatusError(400, 'BadRequest', 'expected one port in "ports"')
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#forward(ws, ip, port))
    } catch (err) {
      refuseUpgrade(socket, err)
    }
  }

  /** Ends every forwarded connection. */
  closeAll(): void {
    for (const s of this.#open) s.destroy()
    for (const ws of this.#wss.clients) ws.terminate()
    this.#wss.close()
  }

  #forward(ws: WebSocket, ip: string, port: number): void {
    const prefix = Buffer.alloc(2)
    prefix.writeUInt16LE(port)
    const send = (channel: number, data: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]))
    }
    send(0, prefix)
    send(1, prefix)
    const tcp = connect(port, ip)
    this.#open.add(tcp)
    tcp.on('data', (d: Buffer) => send(0, d))
    tcp.on('error', (err) => {
      send(1, Buffer.from(`error forwarding port ${port}: ${err.message}`))
      ws.close(1000)
    })
    tcp.on('close', () => {
      this.#open.delete(tcp)
      ws.close(1000)
    })
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0 && data.length > 1) tcp.write(data.subarray(1))
    })
    ws.on('close', () => tcp.destroy())
  }
}
