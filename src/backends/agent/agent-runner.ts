import { connect as netConnect } from 'node:net'
import { WebSocket } from 'ws'
import type { PtyLike, SandboxHandle, SessionBackend } from '../backend.js'
import { ChannelStream } from './channel-stream.js'
import {
  AGENT_PROTOCOL_VERSION,
  MAX_AGENT_FRAME,
  decodeData,
  encodeData,
  isChannel,
  parseControl,
  type FromAgent,
  type ToAgent,
} from './protocol.js'

/** What the agent needs: where labgate is, its credential, and the backend it runs the sandbox with. */
export interface AgentOptions {
  /** labgate's agent endpoint (`ws://` or `wss://`, path {@link AGENT_PATH}). */
  url: string
  token: string
  session: string
  /** The backend that runs the sandbox here (the local one). */
  backend: SessionBackend
  log: (m: string) => void
  /** How often the sandbox's state is checked, ms (default 1000). */
  watchMs?: number
  /** The longest wait between reconnects, ms (default 5000). */
  maxBackoffMs?: number
}

/**
 * The labgate agent: runs beside one sandbox on a machine labgate cannot dial (a Slurm job), dials labgate
 * and serves its requests over that one WebSocket (see `protocol.ts`): starts the sandbox, runs ptys in it,
 * connects to its ports, stops it. When the connection drops (labgate restarted) it reconnects, with a
 * growing pause, for as long as the sandbox runs; the sandbox keeps running meanwhile. Resolves once the
 * agent is done: the sandbox stopped (asked by labgate, or by {@link AgentRunner.terminate}) or ended by
 * itself.
 */
export class AgentRunner {
  readonly #o: AgentOptions
  readonly #startedAt = Math.round(performance.timeOrigin)
  #handle: SandboxHandle | null = null
  #ws: WebSocket | null = null
  #ending: Promise<void> | null = null
  #finished!: () => void
  readonly #done = new Promise<void>((resolve) => (this.#finished = resolve))
  readonly #ptys = new Map<number, PtyLike>()
  readonly #streams = new Map<number, ChannelStream>()
  #watch: NodeJS.Timeout | null = null
  #backoff = 200

  constructor(o: AgentOptions) {
    this.#o = o
  }

  /** Connects and serves until the agent is done. */
  run(): Promise<void> {
    this.#connect()
    return this.#done
  }

  /** Stops the sandbox (deleting its files) and ends: for SIGTERM, which Slurm sends to cancel the job. */
  terminate(reason: string): Promise<void> {
    return this.#end(true, reason)
  }

  #connect(): void {
    if (this.#ending) return
    const ws = new WebSocket(this.#o.url, {
      headers: { authorization: `Bearer ${this.#o.token}` },
      maxPayload: MAX_AGENT_FRAME,
      handshakeTimeout: 10_000,
    })
    this.#ws = ws
    ws.on('open', () => {
      this.#o.log(`agent: connected to labgate${this.#handle ? ' again' : ''}`)
      this.#backoff = 200
      this.#send({
        t: 'hello',
        v: AGENT_PROTOCOL_VERSION,
        session: this.#o.session,
        ready: this.#handle !== null,
        startedAt: this.#startedAt,
      })
    })
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
      if (isBinary) this.#onData(buf)
      else void this.#onControl(buf.toString('utf8'))
    })
    ws.on('unexpected-response', (_req, res) => {
      this.#o.log(`agent: labgate refused the connection: HTTP ${res.statusCode}`)
      // a revoked or expired token: the sandbox is no longer labgate's
      if (res.statusCode === 401) void this.#end(true, 'labgate no longer knows this sandbox')
    })
    ws.on('error', (err) => this.#o.log(`agent: connection: ${err.message}`))
    ws.on('close', () => {
      if (this.#ws === ws) this.#ws = null
      // labgate counts what ran over this connection as ended, and numbers channels afresh on the next
      for (const s of this.#streams.values()) s.destroy()
      this.#streams.clear()
      for (const pty of this.#ptys.values()) pty.kill('SIGHUP')
      this.#ptys.clear()
      if (this.#ending) return
      const wait = this.#backoff
      this.#backoff = Math.min(this.#backoff * 2, this.#o.maxBackoffMs ?? 5000)
      setTimeout(() => this.#connect(), wait)
    })
  }

  #send(msg: FromAgent): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(msg))
  }

  #sendData(ch: number, bytes: Buffer, done?: (err?: Error) => void): void {
    if (this.#ws?.readyState !== WebSocket.OPEN) return done?.(new Error('not connected'))
    this.#ws.send(encodeData(ch, bytes), { binary: true }, done)
  }

  async #onControl(text: string): Promise<void> {
    const msg = parseControl<ToAgent>(text)
    if (!msg) return
    if (msg.t === 'start') return this.#start(msg)
    if (msg.t === 'stop') {
      await this.#end(msg.purge !== false, 'stopped by labgate')
      return
    }
    if (!('ch' in msg) || !isChannel(msg.ch)) return
    const ch = msg.ch
    switch (msg.t) {
      case 'exec':
        return this.#exec(ch, msg.opts)
      case 'dial':
        return this.#dial(ch, msg.port)
      case 'resize':
        this.#ptys.get(ch)?.resize(msg.cols, msg.rows)
        return
      case 'kill':
        this.#ptys.get(ch)?.kill(msg.signal)
        this.#streams.get(ch)?.destroy()
        return
      case 'pause':
      case 'resume': {
        const pty = this.#ptys.get(ch)
        if (pty) {
          if (msg.t === 'pause') pty.pause()
          else pty.resume()
        }
        this.#streams.get(ch)?.flow(msg)
        return
      }
      case 'end':
      case 'close':
        this.#streams.get(ch)?.flow(msg)
        return
    }
  }

  #onData(frame: Buffer): void {
    const d = decodeData(frame)
    if (!d) return
    this.#ptys.get(d.ch)?.write(d.data.toString('utf8'))
    this.#streams.get(d.ch)?.receive(d.data)
  }

  async #start(msg: Extract<ToAgent, { t: 'start' }>): Promise<void> {
    if (this.#handle) return this.#send({ t: 'ready', warnings: [] })
    if (msg.spec?.session !== this.#o.session)
      return this.#send({ t: 'failed', message: 'the spec is for another session' })
    try {
      const asked = performance.now()
      const info = await this.#o.backend.start(msg.spec)
      this.#o.log(`agent: sandbox up in ${Math.round(performance.now() - asked)} ms`)
      this.#handle = info.handle
      this.#send({ t: 'ready', warnings: info.warnings })
      this.#watchSandbox()
    } catch (err) {
      this.#send({ t: 'failed', message: (err as Error).message })
      await this.#end(true, `the sandbox did not start: ${(err as Error).message}`)
    }
  }

  #watchSandbox(): void {
    this.#watch = setInterval(() => {
      const handle = this.#handle
      if (!handle || this.#ending) return
      void this.#o.backend.observe(handle).then((s) => {
        if (s.state !== 'gone' || this.#ending) return
        const reason = s.reason ?? 'the sandbox ended'
        this.#send({ t: 'gone', reason })
        void this.#end(true, reason)
      })
    }, this.#o.watchMs ?? 1000)
    this.#watch.unref()
  }

  #exec(ch: number, opts: Extract<ToAgent, { t: 'exec' }>['opts']): void {
    const exit = (exitCode: number, signal?: number) =>
      this.#send({ t: 'exit', ch, exitCode, ...(signal !== undefined && { signal }) })
    const exec = this.#o.backend.exec?.bind(this.#o.backend)
    if (!this.#handle || !exec) return exit(1)
    let pty: PtyLike
    try {
      pty = exec(this.#handle, {
        env: opts?.env ?? {},
        pty: { cols: opts?.pty?.cols ?? 80, rows: opts?.pty?.rows ?? 24 },
        ...(Array.isArray(opts?.argv) && { argv: opts.argv }),
      })
    } catch (err) {
      this.#sendData(ch, Buffer.from(`${(err as Error).message}\r\n`))
      return exit(1)
    }
    this.#ptys.set(ch, pty)
    // a pty of an earlier connection (killed when it closed) never speaks on a channel of this one
    const current = () => this.#ptys.get(ch) === pty
    pty.onData((data) => {
      if (current()) this.#sendData(ch, typeof data === 'string' ? Buffer.from(data) : data)
    })
    pty.onExit((e) => {
      if (!current()) return
      this.#ptys.delete(ch)
      exit(e.exitCode, e.signal)
    })
  }

  async #dial(ch: number, port: number): Promise<void> {
    const refuse = (error: string) => this.#send({ t: 'close', ch, error })
    const connect = this.#o.backend.connect?.bind(this.#o.backend)
    if (!this.#handle || !connect || !Number.isInteger(port) || port < 1 || port > 65535)
      return refuse('EINVAL')
    let endpoint
    try {
      endpoint = await connect(this.#handle, port)
    } catch {
      return refuse('EHOSTUNREACH')
    }
    const socket =
      'socketPath' in endpoint
        ? netConnect({ path: endpoint.socketPath })
        : netConnect({ host: endpoint.host, port: endpoint.port })
    const stream = new ChannelStream(ch, {
      control: (m) => this.#send(m),
      data: (bytes, done) => this.#sendData(ch, bytes, done),
    })
    socket.once('connect', () => {
      this.#streams.set(ch, stream)
      stream.once('close', () => this.#streams.delete(ch))
      this.#send({ t: 'open', ch })
      socket.pipe(stream)
      stream.pipe(socket)
      // A clean close ends each side once what was written has gone through (pipe ends the other side);
      // only an error cuts it short.
      socket.on('close', (hadError) => {
        if (hadError || stream.writableFinished) stream.destroy()
        else stream.once('finish', () => stream.destroy())
      })
      stream.on('close', () => {
        if (!socket.writableEnded) socket.destroy()
      })
    })
    socket.once('error', (err: NodeJS.ErrnoException) => {
      if (!this.#streams.has(ch)) refuse(err.code ?? 'ECONNREFUSED')
      stream.destroy()
    })
  }

  #end(purge: boolean, reason: string): Promise<void> {
    this.#ending ??= (async () => {
      this.#o.log(`agent: ending: ${reason}`)
      if (this.#watch) clearInterval(this.#watch)
      for (const pty of this.#ptys.values()) pty.kill('SIGKILL')
      for (const s of this.#streams.values()) s.destroy()
      if (this.#handle) {
        await this.#o.backend
          .stop(this.#handle, { purge })
          .catch((err: unknown) => this.#o.log(`agent: stopping the sandbox: ${String(err)}`))
      }
      await this.#o.backend.close?.()
      this.#send({ t: 'stopped' })
      const ws = this.#ws
      if (ws?.readyState === WebSocket.OPEN) {
        await new Promise<void>((resolve) => {
          ws.once('close', () => resolve())
          ws.close(1000, 'stopped')
          setTimeout(resolve, 2000).unref()
        })
      } else ws?.terminate()
      this.#finished()
    })()
    return this.#ending
  }
}
