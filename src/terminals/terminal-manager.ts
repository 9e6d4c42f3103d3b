import { LabgateError } from '../domain/errors.js'
import type { ExecBackend, PtyLike, SandboxHandle } from '../backends/backend.js'
import { clampSize, type TerminalSize } from './protocol.js'
import { ByteRing } from './scrollback.js'

/** One viewer of a terminal (a WebSocket). */
export interface TerminalClient {
  /** Delivers output bytes. Returns false when the client is backed up: the shell is paused until `drained`. */
  send(data: Buffer): boolean
  /** The terminal is gone: tell the viewer why and disconnect. `code` is the shell's exit status, or null. */
  close(code: number | null, message: string): void
  /** Stop taking input from the viewer: the terminal holds more pending input than its cap. */
  pauseInput?(): void
  /** Take input again after {@link pauseInput}. */
  resumeInput?(): void
}

/** What {@link TerminalManager.attach} gives a client to drive its terminal. Methods are no-ops once detached. */
export interface TerminalAttachment {
  /** True when this attach started the shell, false when it reattached to a running one. */
  readonly created: boolean
  /** Types into the shell; counts as session activity. */
  input(data: string): void
  /** Sets the terminal's size (clamped); the last size any client sends applies. */
  resize(size: TerminalSize): void
  /** The client that returned false from `send` has caught up. */
  drained(): void
  /** Stops delivering output to this client. The shell keeps running. Idempotent. */
  detach(): void
}

/** Dependencies and limits of a {@link TerminalManager}. */
export interface TerminalManagerOptions {
  /** Starts the shells: each terminal is the backend's `exec` of its login shell. */
  backend: ExecBackend
  /** Bytes of recent output replayed to a (re)attaching client (default 256 KiB). */
  scrollbackBytes?: number
  /** Most terminals one session may have at once (default 16). */
  maxTerminalsPerSession?: number
  /** Most clients attached to one terminal at once (default 8). */
  maxClientsPerTerminal?: number
  /** Called on input, at most once per `activityIntervalMs` per session (default 5 s). */
  onActivity?: (session: string) => void
  activityIntervalMs?: number
  /**
   * Input bytes a terminal may hold that its program has not read yet; over it, its clients are paused
   * until it is down to half (default 256 KiB). Applies to ptys that report {@link PtyLike.pendingInput}.
   */
  maxPendingInputBytes?: number
  /**
   * How long a terminal's program may leave pending input unread (taking none of it) before that input is
   * dropped and the viewers are told (default 15 s).
   */
  inputStallMs?: number
  /** How long `closeSession` waits after SIGHUP before SIGKILL (default 2 s). */
  killGraceMs?: number
  log?: (msg: string) => void
  clock?: () => number
}

/** Terminal ids: short names such as `1`, `2`, `editor`. */
export const TERMINAL_ID = /^[a-z0-9][-a-z0-9]{0,30}$/

interface Terminal {
  session: string
  id: string
  pty: PtyLike
  ring: ByteRing
  clients: Set<TerminalClient>
  /** Clients that are backed up; the pty is paused while there is one. */
  blocked: Set<TerminalClient>
  exited: Promise<void>
  /** True while its clients are told to stop sending input (too much of it pending). */
  inputPaused: boolean
  /** Runs while input is pending: fires when the program took none of it for `inputStallMs`. */
  inputStall?: NodeJS.Timeout
  /** Set while a terminal started by {@link TerminalManager.prestart} waits for its first client: its env. */
  prestarted?: string
}

/** A stable key of an environment, to tell whether a pre-started shell has the environment asked for. */
function envKey(env: Record<string, string>): string {
  return JSON.stringify(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/**
 * The live terminals of this labgate process, keyed by (session, terminal id). A terminal is a shell in the
 * session's sandbox plus a scrollback ring; it outlives its clients (a closed tab, a dropped network) and
 * ends when its shell exits or {@link closeSession} closes it. Terminals do not survive a labgate restart.
 */
export class TerminalManager {
  readonly #o: TerminalManagerOptions
  readonly #terminals = new Map<string, Map<string, Terminal>>()
  readonly #lastActivity = new Map<string, number>()
  #closed = false

  constructor(opts: TerminalManagerOptions) {
    this.#o = opts
  }

  /** How many terminals are open now (shells started and not yet ended), across every session. */
  get open(): number {
    let n = 0
    for (const terminals of this.#terminals.values()) n += terminals.size
    return n
  }

  /**
   * Attaches `client` to terminal `id` of `session`, starting its shell (at `size`) when there is none. The
   * client first receives the scrollback, then live output. Throws `bad_request` for an id that does not
   * match {@link TERMINAL_ID}, `conflict` over the terminal or client limits, `unavailable` once
   * {@link closeAll} was called, and what the backend's `exec` throws (`unavailable` for a gone sandbox).
   */
  attach(
    session: string,
    id: string,
    handle: SandboxHandle,
    env: Record<string, string>,
    client: TerminalClient,
    size: TerminalSize = { cols: 80, rows: 24 },
  ): TerminalAttachment {
    if (!TERMINAL_ID.test(id))
      throw new LabgateError('bad_request', `invalid terminal id ${JSON.stringify(id)}`)
    if (this.#closed) throw new LabgateError('unavailable', 'labgate is shutting down')
    let terminal = this.#terminals.get(session)?.get(id)
    let created = !terminal
    if (terminal?.prestarted !== undefined) {
      const stale = terminal.prestarted !== envKey(env)
      terminal.prestarted = undefined
      created = true
      if (stale) {
        // The session got parameters since: its shell must see them.
        this.#forget(terminal)
        void this.#close(terminal, '')
        terminal = undefined
      } else {
        const { cols, rows } = clampSize(size.cols, size.rows)
        terminal.pty.resize(cols, rows)
      }
    }
    if (!terminal) terminal = this.#start(session, id, handle, env, clampSize(size.cols, size.rows))
    else if (terminal.clients.size >= (this.#o.maxClientsPerTerminal ?? 8)) {
      throw new LabgateError('conflict', `terminal ${id} has too many viewers`)
    }
    const scrollback = terminal.ring.snapshot()
    if (scrollback.length > 0 && !client.send(scrollback)) this.#block(terminal, client)
    terminal.clients.add(client)
    if (terminal.inputPaused) client.pauseInput?.()
    const t = terminal
    const live = () => t.clients.has(client)
    return {
      created,
      input: (data) => {
        if (!live()) return
        t.pty.write(data)
        this.#activity(session)
        this.#checkInput(t)
      },
      resize: (s) => {
        if (!live()) return
        const { cols, rows } = clampSize(s.cols, s.rows)
        try {
          t.pty.resize(cols, rows)
        } catch {
          // The shell exited in the meantime; its exit closes the clients.
        }
      },
      drained: () => {
        if (t.blocked.delete(client) && t.blocked.size === 0) t.pty.resume()
      },
      detach: () => {
        t.clients.delete(client)
        if (t.blocked.delete(client) && t.blocked.size === 0) t.pty.resume()
      },
    }
  }

  /**
   * Starts terminal `id` of `session` ahead of its first client, so that the learner finds a prompt
   * waiting. The first {@link attach} takes it over when `env` is still the environment it asks for, and
   * replaces it otherwise. Does nothing when the terminal exists or after {@link closeAll}; never throws (a
   * failure is logged, and the first attach starts the shell as usual).
   */
  prestart(
    session: string,
    id: string,
    handle: SandboxHandle,
    env: Record<string, string>,
    size: TerminalSize = { cols: 80, rows: 24 },
  ): void {
    if (this.#closed || this.#terminals.get(session)?.has(id)) return
    try {
      const terminal = this.#start(session, id, handle, env, clampSize(size.cols, size.rows))
      terminal.prestarted = envKey(env)
    } catch (err) {
      this.#o.log?.(`terminal ${session}/${id}: could not start ahead: ${(err as Error).message}`)
    }
  }

  /** The ids of `session`'s terminals, sorted. */
  list(session: string): string[] {
    return [...(this.#terminals.get(session)?.keys() ?? [])].sort()
  }

  /**
   * Closes every terminal of `session`: tells its clients `message` and disconnects them, sends the shells
   * SIGHUP, then SIGKILL after the grace period. Resolves once the shells have exited (or were SIGKILLed and
   * given a moment). Idempotent; an unknown session resolves at once.
   */
  async closeSession(session: string, message: string): Promise<void> {
    const terminals = [...(this.#terminals.get(session)?.values() ?? [])]
    this.#terminals.delete(session)
    this.#lastActivity.delete(session)
    await Promise.all(terminals.map((t) => this.#close(t, message)))
  }

  /**
   * Closes every terminal of every session (for shutdown), as {@link closeSession} does, and starts no shell
   * from then on: a sandbox whose start finishes during shutdown gets no pre-started terminal, whose pty
   * would keep this process alive.
   */
  async closeAll(message = 'labgate is shutting down'): Promise<void> {
    this.#closed = true
    await Promise.all([...this.#terminals.keys()].map((session) => this.closeSession(session, message)))
  }

  #start(
    session: string,
    id: string,
    handle: SandboxHandle,
    env: Record<string, string>,
    size: TerminalSize,
  ): Terminal {
    const count = this.#terminals.get(session)?.size ?? 0
    if (count >= (this.#o.maxTerminalsPerSession ?? 16)) {
      throw new LabgateError('conflict', `session ${session} has too many terminals`)
    }
    const pty = this.#o.backend.exec(handle, { env, pty: size })
    let exited!: () => void
    const terminal: Terminal = {
      session,
      id,
      pty,
      ring: new ByteRing(this.#o.scrollbackBytes ?? 256 * 1024),
      clients: new Set(),
      blocked: new Set(),
      inputPaused: false,
      exited: new Promise((resolve) => (exited = resolve)),
    }
    pty.onData((data) => {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data
      terminal.ring.push(bytes)
      for (const client of terminal.clients) if (!client.send(bytes)) this.#block(terminal, client)
    })
    pty.onInputTaken?.(() => {
      // Progress: the program reads, so the stall starts over.
      this.#stopStall(terminal)
      this.#checkInput(terminal)
    })
    pty.onExit(({ exitCode, signal }) => {
      exited()
      this.#stopStall(terminal)
      if (!this.#forget(terminal)) return
      const how = signal ? `killed by signal ${signal}` : `exited with status ${exitCode}`
      this.#o.log?.(`terminal ${session}/${id}: shell ${how}`)
      this.#disconnect(terminal, signal ? null : exitCode, `The shell ${how}.`)
    })
    const terminals = this.#terminals.get(session) ?? new Map<string, Terminal>()
    terminals.set(id, terminal)
    this.#terminals.set(session, terminals)
    return terminal
  }

  /** Removes `terminal` from the live ones; false when it was not (or no longer) there. */
  #forget(terminal: Terminal): boolean {
    const current = this.#terminals.get(terminal.session)
    if (current?.get(terminal.id) !== terminal) return false
    current.delete(terminal.id)
    if (current.size === 0) {
      this.#terminals.delete(terminal.session)
      this.#lastActivity.delete(terminal.session)
    }
    return true
  }

  async #close(terminal: Terminal, message: string): Promise<void> {
    this.#stopStall(terminal)
    terminal.pty.discardInput?.()
    this.#disconnect(terminal, null, message)
    terminal.pty.resume()
    terminal.pty.kill('SIGHUP')
    const grace = this.#o.killGraceMs ?? 2000
    const timeout = (ms: number) => new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms).unref())
    if ((await Promise.race([terminal.exited, timeout(grace)])) === 'timeout') {
      terminal.pty.kill('SIGKILL')
      await Promise.race([terminal.exited, timeout(1000)])
    }
  }

  #disconnect(terminal: Terminal, code: number | null, message: string): void {
    const clients = [...terminal.clients]
    terminal.clients.clear()
    terminal.blocked.clear()
    for (const client of clients) {
      try {
        client.close(code, message)
      } catch (err) {
        this.#o.log?.(`terminal ${terminal.session}/${terminal.id}: closing a client failed: ${String(err)}`)
      }
    }
  }

  /** Pauses or resumes the clients' input by the pending input, and runs the stall timer while there is any. */
  #checkInput(t: Terminal): void {
    const pending = t.pty.pendingInput?.() ?? 0
    const cap = this.#o.maxPendingInputBytes ?? 256 * 1024
    if (pending === 0) this.#stopStall(t)
    else if (!t.inputStall) {
      t.inputStall = setTimeout(() => this.#dropInput(t), this.#o.inputStallMs ?? 15_000).unref()
    }
    if (!t.inputPaused && pending > cap) {
      t.inputPaused = true
      for (const client of t.clients) client.pauseInput?.()
    } else if (t.inputPaused && pending <= cap / 2) {
      t.inputPaused = false
      for (const client of t.clients) client.resumeInput?.()
    }
  }

  #stopStall(t: Terminal): void {
    clearTimeout(t.inputStall)
    t.inputStall = undefined
  }

  /** The program left its input unread for too long: drop it, tell the viewers, take input again. */
  #dropInput(t: Terminal): void {
    t.inputStall = undefined
    const dropped = t.pty.discardInput?.() ?? 0
    this.#checkInput(t)
    if (dropped === 0) return
    const seconds = Math.round((this.#o.inputStallMs ?? 15_000) / 1000)
    this.#o.log?.(`terminal ${t.session}/${t.id}: dropped ${dropped} bytes of unread input`)
    const notice = Buffer.from(
      `\r\n\x1b[33mlabgate: dropped ${dropped} bytes of input: ` +
        `the program in this terminal did not read any for ${seconds} s.\x1b[0m\r\n`,
    )
    for (const client of t.clients) if (!client.send(notice)) this.#block(t, client)
  }

  #block(terminal: Terminal, client: TerminalClient): void {
    if (terminal.blocked.size === 0) terminal.pty.pause()
    terminal.blocked.add(client)
  }

  #activity(session: string): void {
    if (!this.#o.onActivity) return
    const now = (this.#o.clock ?? Date.now)()
    const last = this.#lastActivity.get(session)
    if (last !== undefined && now - last < (this.#o.activityIntervalMs ?? 5000)) return
    this.#lastActivity.set(session, now)
    this.#o.onActivity(session)
  }
}
