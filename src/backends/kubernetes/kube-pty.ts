import { constants } from 'node:os'
import { PassThrough, Writable } from 'node:stream'
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node'
import type { PtyLike, PtySize } from '../backend.js'

/** The channels of Kubernetes' streaming protocol (`v4.channel.k8s.io`): the first byte of each message. */
const STDIN = 0
const RESIZE = 4

/** The socket the client's `Exec` hands back: a `ws` WebSocket. */
type ExecSocket = Awaited<ReturnType<Exec['exec']>> & {
  pause?: () => void
  resume?: () => void
  on(event: 'close', listener: () => void): unknown
}

/** Which container of which Pod an exec runs in. */
export interface ExecTarget {
  namespace: string
  pod: string
  container: string
}

/**
 * A process on a pty in a Pod's container, through the API server's exec endpoint: a WebSocket (the
 * client's `Exec`) whose messages are a channel byte and data (stdin 0, stdout 1, the final `Status` 3,
 * resize 4). Returned before the socket opens: input written meanwhile is sent once it is open, after the
 * initial size. `kill` closes the socket, which hangs up the process (Kubernetes has no signal call); the
 * exit is reported once, when the socket closes, with the exit code from the `Status` (else 1, or, after
 * `kill`, the signal). A connection that fails (the Pod went) is shown in the pty and exits with 1.
 */
export class KubePty implements PtyLike {
  readonly #data = new Set<(d: Buffer) => void>()
  readonly #exit = new Set<(e: { exitCode: number; signal?: number }) => void>()
  readonly #pending: Buffer[] = []
  readonly #held: Buffer[] = []
  #size: PtySize
  #ws: ExecSocket | null = null
  #ended = false
  #paused = false
  #killed: number | undefined
  #exitCode: number | undefined

  /**
   * Starts `argv` in `target`. `before` runs first (a check that the Pod still runs): when it rejects, its
   * message is shown and the process exits with 1 without being started.
   */
  constructor(
    kc: KubeConfig,
    target: ExecTarget,
    argv: string[],
    size: PtySize,
    before?: () => Promise<void>,
  ) {
    this.#size = size
    void this.#open(kc, target, argv, before)
  }

  onData(listener: (data: Buffer) => void): void {
    this.#data.add(listener)
  }

  onExit(listener: (e: { exitCode: number; signal?: number }) => void): void {
    this.#exit.add(listener)
  }

  write(data: string): void {
    if (this.#ended || this.#killed !== undefined) return
    const bytes = Buffer.from(data, 'utf8')
    if (this.#ws) this.#send(STDIN, bytes)
    else this.#pending.push(bytes)
  }

  resize(cols: number, rows: number): void {
    if (this.#ended) return
    this.#size = { cols, rows }
    if (this.#ws) this.#sendSize()
  }

  kill(signal = 'SIGHUP'): void {
    if (this.#ended || this.#killed !== undefined) return
    this.#killed = (constants.signals as Record<string, number>)[signal] ?? constants.signals.SIGHUP
    this.#ws?.close()
  }

  pause(): void {
    this.#paused = true
    this.#ws?.pause?.()
  }

  resume(): void {
    this.#paused = false
    this.#ws?.resume?.()
    for (const chunk of this.#held.splice(0)) this.#emit(chunk)
  }

  async #open(
    kc: KubeConfig,
    target: ExecTarget,
    argv: string[],
    before?: () => Promise<void>,
  ): Promise<void> {
    const stdout = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        if (this.#paused) this.#held.push(chunk)
        else this.#emit(chunk)
        done()
      },
    })
    let ws: ExecSocket
    try {
      await before?.()
      if (this.#killed !== undefined) return this.#finish()
      const onStatus = (s: V1Status) => (this.#exitCode = exitCodeOf(s))
      ws = (await new Exec(kc).exec(
        target.namespace,
        target.pod,
        target.container,
        argv,
        stdout,
        null,
        new PassThrough(),
        true,
        onStatus,
      )) as ExecSocket
    } catch (err) {
      this.#emit(Buffer.from(`\r\nlabgate: cannot run in pod ${target.pod}: ${describe(err)}\r\n`))
      this.#exitCode = 1
      return this.#finish()
    }
    ws.on('close', () => this.#finish())
    if (this.#killed !== undefined) return void ws.close()
    this.#ws = ws
    if (this.#paused) ws.pause?.()
    this.#sendSize()
    for (const bytes of this.#pending.splice(0)) this.#send(STDIN, bytes)
  }

  #send(channel: number, data: Buffer): void {
    if (this.#ws?.readyState === 1) this.#ws.send(Buffer.concat([Buffer.from([channel]), data]))
  }

  #sendSize(): void {
    this.#send(RESIZE, Buffer.from(JSON.stringify({ Width: this.#size.cols, Height: this.#size.rows })))
  }

  #emit(chunk: Buffer): void {
    for (const l of this.#data) l(chunk)
  }

  #finish(): void {
    if (this.#ended) return
    this.#ended = true
    for (const chunk of this.#held.splice(0)) this.#emit(chunk)
    const e =
      this.#exitCode !== undefined
        ? { exitCode: this.#exitCode }
        : this.#killed !== undefined
          ? { exitCode: 0, signal: this.#killed }
          : { exitCode: 1 }
    for (const l of this.#exit) l(e)
  }
}

/** The exit code a final `Status` carries: 0 for Success, the `ExitCode` cause's, else 1. */
export function exitCodeOf(status: V1Status): number {
  if (status.status === 'Success') return 0
  const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode')
  const code = Number(cause?.message)
  return Number.isInteger(code) ? code : 1
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message
  const message = (err as { message?: unknown } | null)?.message
  return typeof message === 'string' ? message : 'the connection failed'
}
