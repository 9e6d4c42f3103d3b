import type { WebSocket } from 'ws'
import { LabgateError } from '../../domain/errors.js'
import type { ExecOptions, PtyLike, SandboxSpec } from '../backend.js'
import { ChannelStream, type ChannelWire } from './channel-stream.js'
import { LinkPty } from './link-pty.js'
import {
  decodeData,
  encodeData,
  isChannel,
  parseControl,
  type ChannelFlow,
  type FromAgent,
  type ToAgent,
} from './protocol.js'

/** What an agent said in its `hello`. */
export interface AgentHello {
  session: string
  /** The sandbox already runs (the agent reconnected after labgate or the network went away). */
  ready: boolean
  /** When the agent process started (ms since the epoch, the node's clock). */
  startedAt: number
}

/**
 * labgate's side of one agent's connection: asks the agent to start and stop its sandbox, runs ptys in it
 * and dials its ports, each on a channel of the one WebSocket. Made by the hub once the agent has
 * authenticated and said `hello`. When the connection closes, every open pty reports an exit (status 1)
 * and every port connection is destroyed; a waiting `start` or `stop` rejects.
 */
export class AgentLink {
  readonly hello: AgentHello
  readonly #ws: WebSocket
  #nextChannel = 1
  readonly #ptys = new Map<number, LinkPty>()
  readonly #streams = new Map<number, ChannelStream>()
  readonly #dials = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()
  #waiting: { kinds: FromAgent['t'][]; settle: (m: FromAgent | Error) => void } | null = null
  #gone: string | null = null
  #closed = false
  readonly #onGone = new Set<(reason: string) => void>()
  readonly #onClose = new Set<() => void>()

  constructor(ws: WebSocket, hello: AgentHello) {
    this.#ws = ws
    this.hello = hello
    ws.on('message', (data, isBinary) => {
      const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
      if (isBinary) this.#onData(buf)
      else this.#onControl(buf.toString('utf8'))
    })
    ws.once('close', () => this.#closeAll())
  }

  /** True while the WebSocket is open. */
  get open(): boolean {
    return !this.#closed
  }

  /** Why the sandbox ended by itself, once the agent said so; else null. */
  get goneReason(): string | null {
    return this.#gone
  }

  /** Calls `listener` when the agent reports that the sandbox ended by itself. */
  onGone(listener: (reason: string) => void): void {
    this.#onGone.add(listener)
  }

  /** Calls `listener` once the connection closed. */
  onClose(listener: () => void): void {
    if (this.#closed) listener()
    else this.#onClose.add(listener)
  }

  /**
   * Asks the agent to start the sandbox of `spec`; resolves with the limits it could not apply. Rejects
   * with `backend_failed` when the agent fails to, or the connection closes first.
   */
  async start(spec: SandboxSpec): Promise<string[]> {
    const answer = await this.#request({ t: 'start', spec }, ['ready', 'failed', 'gone'])
    if (answer.t === 'ready') return answer.warnings
    const why = answer.t === 'failed' ? answer.message : answer.t === 'gone' ? answer.reason : ''
    throw new LabgateError('backend_failed', `the sandbox did not start on the compute node: ${why}`)
  }

  /** Asks the agent to stop the sandbox and end; resolves once it says it stopped, or the connection closed. */
  async stop(purge: boolean): Promise<void> {
    if (this.#closed) return
    await this.#request({ t: 'stop', purge }, ['stopped']).catch(() => undefined)
  }

  /** Runs a pty in the sandbox (see `SessionBackend.exec`). Throws `unavailable` once the connection closed. */
  exec(opts: ExecOptions): PtyLike {
    if (this.#closed || this.#gone !== null)
      throw new LabgateError('unavailable', 'the sandbox is not running')
    const ch = this.#channel()
    const pty = new LinkPty(
      ch,
      (msg) => this.#send(msg),
      (bytes) => this.#sendData(ch, bytes),
    )
    this.#ptys.set(ch, pty)
    pty.onExit(() => this.#ptys.delete(ch))
    this.#send({ t: 'exec', ch, opts })
    return pty
  }

  /**
   * A connection to TCP `port` on the sandbox's loopback, as a stream. Rejects (with the agent's error,
   * e.g. `ECONNREFUSED`) when nothing listens there, `unavailable` once the connection closed.
   */
  async dial(port: number): Promise<ChannelStream> {
    if (this.#closed) throw new LabgateError('unavailable', 'the sandbox is not running')
    const ch = this.#channel()
    const wire: ChannelWire = {
      control: (msg) => this.#send(msg),
      data: (bytes, done) => this.#sendData(ch, bytes, done),
    }
    const stream = new ChannelStream(ch, wire)
    this.#streams.set(ch, stream)
    stream.once('close', () => this.#streams.delete(ch))
    const opened = new Promise<void>((resolve, reject) => this.#dials.set(ch, { resolve, reject }))
    this.#send({ t: 'dial', ch, port })
    try {
      await opened
    } catch (err) {
      stream.destroy()
      throw err
    } finally {
      this.#dials.delete(ch)
    }
    return stream
  }

  /** Closes the connection (the agent reconnects unless it was told to stop). */
  close(): void {
    this.#ws.close()
  }

  #channel(): number {
    const ch = this.#nextChannel
    this.#nextChannel = ch >= 0x7fff_ffff ? 1 : ch + 1
    return ch
  }

  #request(msg: ToAgent, kinds: FromAgent['t'][]): Promise<FromAgent> {
    if (this.#closed) return Promise.reject(closedError())
    if (this.#waiting) return Promise.reject(new LabgateError('conflict', 'another request is under way'))
    return new Promise((resolve, reject) => {
      this.#waiting = {
        kinds,
        settle: (m) => {
          this.#waiting = null
          if (m instanceof Error) reject(m)
          else resolve(m)
        },
      }
      this.#send(msg)
    })
  }

  #send(msg: ToAgent): void {
    if (this.#closed) return
    this.#ws.send(JSON.stringify(msg))
  }

  #sendData(ch: number, bytes: Buffer, done?: (err?: Error) => void): void {
    if (this.#closed) {
      done?.(closedError())
      return
    }
    this.#ws.send(encodeData(ch, bytes), { binary: true }, done)
  }

  #onData(frame: Buffer): void {
    const d = decodeData(frame)
    if (!d) return
    this.#ptys.get(d.ch)?.receive(d.data)
    this.#streams.get(d.ch)?.receive(d.data)
  }

  #onControl(text: string): void {
    const msg = parseControl<FromAgent>(text)
    if (!msg) return
    if (this.#waiting?.kinds.includes(msg.t)) this.#waiting.settle(msg)
    switch (msg.t) {
      case 'gone':
        this.#gone = typeof msg.reason === 'string' ? msg.reason : 'the sandbox ended'
        for (const l of this.#onGone) l(this.#gone)
        return
      case 'exit':
        if (isChannel(msg.ch)) this.#ptys.get(msg.ch)?.exited(msg.exitCode, msg.signal)
        return
      case 'open':
        if (isChannel(msg.ch)) this.#dials.get(msg.ch)?.resolve()
        return
      case 'pause':
      case 'resume':
      case 'end':
      case 'close':
        if (isChannel(msg.ch)) this.#flow(msg)
        return
      default:
        return
    }
  }

  #flow(msg: ChannelFlow): void {
    const dial = this.#dials.get(msg.ch)
    if (dial && msg.t === 'close') {
      const code = msg.error ?? 'ECONNREFUSED'
      dial.reject(Object.assign(new Error(`connect ${code}`), { code }))
      return
    }
    this.#streams.get(msg.ch)?.flow(msg)
    const pty = this.#ptys.get(msg.ch)
    if (pty && (msg.t === 'pause' || msg.t === 'resume')) pty.peerFlow(msg.t)
  }

  #closeAll(): void {
    if (this.#closed) return
    this.#closed = true
    this.#waiting?.settle(closedError())
    for (const d of this.#dials.values()) d.reject(closedError())
    for (const pty of this.#ptys.values()) pty.exited(1)
    for (const s of this.#streams.values()) s.destroy()
    for (const l of this.#onClose) l()
  }
}

const closedError = () => new LabgateError('unavailable', 'the agent on the compute node went away')
