import { constants } from 'node:os'
import type { ExecOptions, PtyLike } from '../backend.js'

/**
 * A pty double that plays a shell in a fake sandbox, enough to test what drives a terminal: it prints a
 * `$ ` prompt, echoes what is written (a carriage return as CR LF, as a terminal does), answers the line
 * `stty size` with `<rows> <cols>` and `exit <n>` by exiting with status n, applies resizes, and exits when
 * killed (reporting the signal's number) or when its sandbox goes (SIGKILL). Output arrives asynchronously
 * and waits while paused. Tests read `written`, `size` and `exited`.
 */
export class FakePty implements PtyLike {
  readonly argv: string[] | undefined
  readonly env: Record<string, string>
  /** Everything written to it, in order. */
  readonly written: string[] = []
  size: { cols: number; rows: number }
  /** How it ended, once it has. */
  exited: { exitCode: number; signal?: number } | null = null
  readonly #data: Array<(data: Buffer) => void> = []
  readonly #exit: Array<(e: { exitCode: number; signal?: number }) => void> = []
  readonly #held: Buffer[] = []
  #paused = false
  #line = ''

  constructor(opts: ExecOptions) {
    this.argv = opts.argv
    this.env = opts.env
    this.size = { ...opts.pty }
    this.#output('$ ')
  }

  onData(listener: (data: Buffer) => void): void {
    this.#data.push(listener)
  }

  onExit(listener: (e: { exitCode: number; signal?: number }) => void): void {
    this.#exit.push(listener)
  }

  write(data: string): void {
    if (this.exited) return
    this.written.push(data)
    for (const char of data) {
      if (char !== '\r' && char !== '\n') {
        this.#line += char
        this.#output(char)
        continue
      }
      this.#output('\r\n')
      const line = this.#line.trim()
      this.#line = ''
      const exit = /^exit(?:\s+(\d+))?$/.exec(line)
      if (exit) return this.#end({ exitCode: Number(exit[1] ?? 0) })
      if (line === 'stty size') this.#output(`${this.size.rows} ${this.size.cols}\r\n`)
      this.#output('$ ')
    }
  }

  resize(cols: number, rows: number): void {
    if (!this.exited) this.size = { cols, rows }
  }

  kill(signal = 'SIGHUP'): void {
    const number = (constants.signals as Record<string, number>)[signal]
    this.#end({ exitCode: 0, ...(number !== undefined ? { signal: number } : {}) })
  }

  pause(): void {
    this.#paused = true
  }

  resume(): void {
    this.#paused = false
    const held = this.#held.splice(0)
    if (held.length > 0) setImmediate(() => this.#deliver(Buffer.concat(held)))
  }

  #output(text: string): void {
    const bytes = Buffer.from(text)
    setImmediate(() => this.#deliver(bytes))
  }

  #deliver(bytes: Buffer): void {
    if (this.#paused) return void this.#held.push(bytes)
    for (const listener of this.#data) listener(bytes)
  }

  #end(e: { exitCode: number; signal?: number }): void {
    if (this.exited) return
    this.exited = e
    // After the output already on its way, as a pty drains before its shell's exit is reported.
    setImmediate(() => setImmediate(() => this.#exit.forEach((listener) => listener(e))))
  }
}
