import type { PtyLike } from '../backend.js'
import type { ToAgent } from './protocol.js'

/**
 * A pty running in a sandbox behind an agent, as labgate's terminals drive it: input, resizes, signals and
 * flow control go to the agent as messages on the pty's channel; output and the exit come back. Reports
 * one exit only, after the output that came before it; every method does nothing after the exit.
 */
export class LinkPty implements PtyLike {
  readonly #ch: number
  readonly #control: (msg: ToAgent) => void
  readonly #data: (bytes: Buffer) => void
  readonly #onData = new Set<(data: Buffer) => void>()
  readonly #onExit = new Set<(e: { exitCode: number; signal?: number }) => void>()
  #exited = false

  constructor(ch: number, control: (msg: ToAgent) => void, data: (bytes: Buffer) => void) {
    this.#ch = ch
    this.#control = control
    this.#data = data
  }

  onData(listener: (data: Buffer) => void): void {
    this.#onData.add(listener)
  }

  onExit(listener: (e: { exitCode: number; signal?: number }) => void): void {
    this.#onExit.add(listener)
  }

  write(data: string): void {
    if (!this.#exited && data.length > 0) this.#data(Buffer.from(data, 'utf8'))
  }

  resize(cols: number, rows: number): void {
    if (!this.#exited) this.#control({ t: 'resize', ch: this.#ch, cols, rows })
  }

  kill(signal?: string): void {
    if (!this.#exited) this.#control({ t: 'kill', ch: this.#ch, ...(signal && { signal }) })
  }

  pause(): void {
    if (!this.#exited) this.#control({ t: 'pause', ch: this.#ch })
  }

  resume(): void {
    if (!this.#exited) this.#control({ t: 'resume', ch: this.#ch })
  }

  /** Output from the agent. */
  receive(bytes: Buffer): void {
    if (this.#exited) return
    for (const l of this.#onData) l(bytes)
  }

  /** The agent's flow control of this pty's input: input is small and bounded by the terminal, so ignored. */
  peerFlow(_kind: 'pause' | 'resume'): void {}

  /** The process ended (or the connection went): reported once. */
  exited(exitCode: number, signal?: number): void {
    if (this.#exited) return
    this.#exited = true
    const e = { exitCode: Number.isInteger(exitCode) ? exitCode : 1, ...(signal !== undefined && { signal }) }
    for (const l of this.#onExit) l(e)
  }
}
