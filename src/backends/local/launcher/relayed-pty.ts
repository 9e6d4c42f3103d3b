import type { HeldPty, LaunchedProcess } from './launcher.js'
import type { RelayRequest } from './protocol.js'

/**
 * labgate's side of a terminal whose pty the native spawner holds (`pty-relay.c`): a {@link HeldPty}
 * that sends its calls as relay messages and hears of the terminal through {@link output},
 * {@link taken} and {@link closed}, which the launcher calls as the spawner's messages arrive.
 */
export class RelayedPty implements HeldPty {
  /** Set by the launcher right after construction. */
  started!: Promise<LaunchedProcess>
  readonly #id: number
  readonly #send: (req: RelayRequest) => void
  readonly #onClosed: () => void
  readonly #output: ((data: Buffer) => void)[] = []
  readonly #taken: ((total: number) => void)[] = []
  readonly #closed: (() => void)[] = []
  #isClosed = false

  /** `onClosed` runs once, when the terminal closed, before the listeners. */
  constructor(id: number, send: (req: RelayRequest) => void, onClosed: () => void) {
    this.#id = id
    this.#send = send
    this.#onClosed = onClosed
  }

  onOutput(listener: (data: Buffer) => void): void {
    this.#output.push(listener)
  }

  onTaken(listener: (total: number) => void): void {
    this.#taken.push(listener)
  }

  onClosed(listener: () => void): void {
    if (this.#isClosed) listener()
    else this.#closed.push(listener)
  }

  input(data: Buffer): void {
    if (data.length > 0) this.#control({ pty: this.#id, op: 'input', data })
  }

  resize(cols: number, rows: number): void {
    this.#control({ pty: this.#id, op: 'resize', cols, rows })
  }

  pause(): void {
    this.#control({ pty: this.#id, op: 'pause' })
  }

  resume(): void {
    this.#control({ pty: this.#id, op: 'resume' })
  }

  discard(): void {
    this.#control({ pty: this.#id, op: 'discard' })
  }

  close(): void {
    this.#control({ pty: this.#id, op: 'close' })
  }

  /** The spawner relayed output. */
  output(data: Buffer): void {
    if (!this.#isClosed) for (const listener of this.#output) listener(data)
  }

  /** The spawner says how much input the pty has taken in all. */
  taken(total: number): void {
    if (!this.#isClosed) for (const listener of this.#taken) listener(total)
  }

  /** The terminal closed (the spawner said so, it died, or the program could not start). Idempotent. */
  closed(): void {
    if (this.#isClosed) return
    this.#isClosed = true
    this.#onClosed()
    for (const listener of this.#closed.splice(0)) listener()
  }

  #control(req: RelayRequest): void {
    if (!this.#isClosed) this.#send(req)
  }
}
