import { spawn as spawnChild } from 'node:child_process'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { spawn as spawnPty } from 'node-pty'
import { WebSocketServer, type WebSocket } from 'ws'
import type { FakeKubeApiServer } from './fake-kube-api-server.js'
import { StatusError, type KubeObject } from './fake-kube-objects.js'

/** The only subprotocol the stand-in speaks. */
export const CHANNEL_PROTOCOL = 'v4.channel.k8s.io'

const EXEC_PATH = /^\/api\/v1\/namespaces\/([a-z0-9-]+)\/pods\/([a-z0-9.-]+)\/exec$/
const [STDIN, STDOUT, STDERR, STATUS, RESIZE] = [0, 1, 2, 3, 4]

/** One running exec: the process and the WebSocket it speaks through. */
interface ExecProcess {
  kill(signal: string): void
  ws: WebSocket
}

/**
 * The stand-in's exec endpoint (`/api/v1/namespaces/{ns}/pods/{name}/exec?command=...&stdin&stdout&tty`):
 * a WebSocket speaking `v4.channel.k8s.io` (each message a channel byte, then data: 0 stdin, 1 stdout,
 * 2 stderr, 3 the final `Status`, 4 resize as `{"Width","Height"}`) that runs the command as a REAL process
 * in the Pod's temporary directory, on a real pty (node-pty) with `tty`, on pipes without. Its environment
 * is the container's `env` and `envFrom` Secrets, over the host's PATH. Closing the socket hangs the
 * process up (SIGHUP, then SIGKILL), as a container runtime does; the Pod's end kills it.
 */
export class FakeKubeExec {
  readonly #fake: FakeKubeApiServer
  readonly #wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(CHANNEL_PROTOCOL) ? CHANNEL_PROTOCOL : false),
  })
  readonly #running = new Map<string, Set<ExecProcess>>()

  constructor(fake: FakeKubeApiServer) {
    this.#fake = fake
  }

  /** Takes an HTTP upgrade: refuses it with a Status (404, 400) or starts the process. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://x')
    const m = EXEC_PATH.exec(url.pathname)
    try {
      if (!m) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource')
      const [namespace, name] = [m[1]!, m[2]!]
      const pod = this.#fake.objects.get('pods', namespace, name)
      if (!pod) throw new StatusError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' })
      if (!this.#fake.runningPod(namespace, name))
        throw new StatusError(400, 'BadRequest', `pod ${name} is not running`)
      const command = url.searchParams.getAll('command')
      if (!command.length) throw new StatusError(400, 'BadRequest', 'you must specify at least 1 command')
      const containers = (pod.spec as { containers: { name: string }[] }).containers
      const container = url.searchParams.get('container') || containers[0]!.name
      if (!containers.some((c) => c.name === container))
        throw new StatusError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`)
      const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim())
      if (!offered.includes(CHANNEL_PROTOCOL))
        throw new StatusError(400, 'BadRequest', `only the ${CHANNEL_PROTOCOL} subprotocol is served`)
      this.#wss.handleUpgrade(req, socket, head, (ws) =>
        this.#run(ws, namespace, pod, container, command, url.searchParams.get('tty') === 'true'),
      )
    } catch (err) {
      refuseUpgrade(socket, err)
    }
  }

  /** Kills every process of a Pod (it is going). */
  endPod(namespace: string, name: string): void {
    for (const p of this.#running.get(`${namespace}/${name}`) ?? []) p.kill('SIGKILL')
  }

  /** Kills every process and closes every socket. */
  closeAll(): void {
    for (const set of this.#running.values()) for (const p of set) p.kill('SIGKILL')
    for (const ws of this.#wss.clients) ws.terminate()
    this.#wss.close()
  }

  #run(
    ws: WebSocket,
    namespace: string,
    pod: KubeObject,
    container: string,
    command: string[],
    tty: boolean,
  ): void {
    const key = `${namespace}/${pod.metadata.name}`
    const cwd = this.#fake.podDir(namespace, pod.metadata.name)
    const env = this.#containerEnv(namespace, pod, container)
    const send = (channel: number, data: Buffer | string) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(data)]))
    }
    let exited = false
    let ended = false
    const finish = (code: number | null, signal: string | number | null) => {
      if (exited) return
      exited = true
      this.#running.get(key)?.delete(proc)
      send(STATUS, JSON.stringify(exitStatus(code, signal, command)))
      ws.close(1000)
    }
    let proc: ExecProcess
    let write: (data: Buffer) => void
    let resize: (cols: number, rows: number) => void = () => {}
    if (tty) {
      const pty = spawnPty(command[0]!, command.slice(1), { name: 'xterm', cols: 80, rows: 24, cwd, env })
      pty.onData((d) => send(STDOUT, d))
      // The last output may still be on its way: report the exit a moment later.
      pty.onExit(({ exitCode, signal }) => {
        ended = true
        setTimeout(() => finish(exitCode, signal || null), 20)
      })
      write = (d) => safely(() => pty.write(d.toString('utf8')))
      resize = (cols, rows) => safely(() => pty.resize(Math.max(1, cols), Math.max(1, rows)))
      proc = { ws, kill: (s) => safely(() => pty.kill(s)) }
    } else {
      const child = spawnChild(command[0]!, command.slice(1), { cwd, env, stdio: 'pipe' })
      child.stdout.on('data', (d: Buffer) => send(STDOUT, d))
      child.stderr.on('data', (d: Buffer) => send(STDERR, d))
      child.on('error', (err) => {
        send(STDERR, `${err.message}\n`)
        finish(127, null)
      })
      child.on('close', (code, signal) => finish(code, signal))
      write = (d) => safely(() => child.stdin.write(d))
      child.stdin.on('error', () => undefined)
      proc = { ws, kill: (s) => safely(() => child.kill(s as NodeJS.Signals)) }
    }
    this.#running.set(key, (this.#running.get(key) ?? new Set()).add(proc))
    ws.on('message', (data: Buffer) => {
      if (exited || ended || data.length < 1) return
      const channel = data[0]
      const payload = data.subarray(1)
      if (channel === STDIN) write(payload)
      else if (channel === RESIZE) {
        const size = JSON.parse(payload.toString('utf8')) as Record<string, number>
        resize(size.Width ?? size.width ?? 80, size.Height ?? size.height ?? 24)
      }
    })
    ws.on('close', () => {
      if (exited) return
      proc.kill('SIGHUP')
      setTimeout(() => !exited && proc.kill('SIGKILL'), 1000).unref()
    })
  }

  /** The container's environment: the host's PATH, then its `env` values and `envFrom` Secrets' data. */
  #containerEnv(namespace: string, pod: KubeObject, container: string): Record<string, string> {
    type Container = {
      name: string
      env?: { name: string; value?: string }[]
      envFrom?: { secretRef?: { name: string } }[]
    }
    const c = (pod.spec as { containers: Container[] }).containers.find((x) => x.name === container)
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOSTNAME: pod.metadata.name,
    }
    for (const from of c?.envFrom ?? []) {
      const secret = from.secretRef && this.#fake.objects.get('secrets', namespace, from.secretRef.name)
      for (const [k, v] of Object.entries((secret?.data ?? {}) as Record<string, string>))
        env[k] = Buffer.from(v, 'base64').toString('utf8')
    }
    for (const e of c?.env ?? []) env[e.name] = e.value ?? ''
    return env
  }
}

/** The final Status an exec reports on channel 3, as the kubelet writes it. */
function exitStatus(code: number | null, signal: string | number | null, command: string[]) {
  const exitCode = code ?? 128 + (typeof signal === 'number' ? signal : 9)
  if (exitCode === 0 && !signal) return { metadata: {}, status: 'Success' }
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  }
}

function safely(fn: () => void): void {
  try {
    fn()
  } catch {
    // already gone
  }
}

/** Answers an upgrade request with the error's `Status` (a 500 for what is not a StatusError) and closes. */
export function refuseUpgrade(socket: Duplex, err: unknown): void {
  const e = err instanceof StatusError ? err : new StatusError(500, 'InternalError', String(err))
  const body = JSON.stringify(e.body)
  socket.end(
    `HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  )
}
