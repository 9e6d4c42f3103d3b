import { constants } from 'node:os'
import type { PtyLike } from '../backend.js'
import type { LaunchedProcess } from './launcher/launcher.js'

/** How long output may still drain after the shell exited, before its exit is reported anyway. */
const DRAIN_MS = 200

/** A {@link PtyLike} with the pid of the launched process (-1 until it runs). */
export interface HostPty extends PtyLike {
  readonly pid: number
}

/**
 * The pty's side of a terminal, wherever its master is held (in this process, or by the launcher's
 * helper): what {@link ptyTerminal} drives.
 */
export interface PtyEnds {
  /** Settles once the pty closed: every holder of its other side is gone, or `close` was called. */
  readonly closed: Promise<void>
  onData(listener: (data: Buffer) => void): void
  /** Hangs the terminal up (closes the master). Idempotent. */
  close(): void
  /** Every method below does nothing once the pty closed. */
  write(bytes: Buffer): void
  resize(cols: number, rows: number): void
  pause(): void
  resume(): void
  pendingInput(): number
  onInputTaken(listener: (pending: number) => void): void
  discardInput(): number
}

/**
 * A terminal from its pty and the launch of its shell: the {@link HostPty} both pty homes share. Input
 * typed before the shell runs waits in the pty. When the launch fails, the reason is shown in the terminal
 * and it exits with status 1. Exit is reported once the shell has been reaped and its output drained (at
 * most {@link DRAIN_MS} later), or, when its launcher lost track of it, once the pty closed. `kill` sends
 * a signal to what the launched process runs and must not throw.
 */
export function ptyTerminal(
  ends: PtyEnds,
  launching: Promise<LaunchedProcess>,
  kill: (pid: number, signal: string) => void,
): HostPty {
  const dataListeners: ((data: Buffer) => void)[] = []
  const exitListeners: ((e: { exitCode: number; signal?: number }) => void)[] = []
  let pid = -1
  let pendingSignal: string | null = null
  let exitReported = false
  ends.onData((data) => dataListeners.forEach((l) => l(data)))

  const reportExit = (exitCode: number, signal?: string | null) => {
    if (exitReported) return
    exitReported = true
    ends.close()
    const number = signal ? (constants.signals as Record<string, number>)[signal] : undefined
    exitListeners.forEach((l) => l({ exitCode, ...(number !== undefined ? { signal: number } : {}) }))
  }

  void launching.then(
    (launched) => {
      pid = launched.pid
      if (pendingSignal) kill(pid, pendingSignal)
      void launched.exit.then(async (status) => {
        // Lost track of the shell (its launcher died): the pty tells once every holder is gone.
        if (status) await Promise.race([ends.closed, new Promise((r) => setTimeout(r, DRAIN_MS))])
        else await ends.closed
        reportExit(status?.code ?? 0, status?.signal)
      })
    },
    (err: Error) => {
      const message = Buffer.from(`\r\nlabgate: cannot start the shell: ${err.message}\r\n`)
      dataListeners.forEach((l) => l(message))
      reportExit(1)
    },
  )

  return {
    get pid() {
      return pid
    },
    onData: (listener) => dataListeners.push(listener),
    onExit: (listener) => exitListeners.push(listener),
    write: (data) => ends.write(Buffer.from(data)),
    pendingInput: () => ends.pendingInput(),
    onInputTaken: (listener) => ends.onInputTaken(listener),
    discardInput: () => ends.discardInput(),
    resize: (cols, rows) => ends.resize(cols, rows),
    pause: () => ends.pause(),
    resume: () => ends.resume(),
    kill: (signal = 'SIGHUP') => {
      if (pid > 0) kill(pid, signal)
      else pendingSignal = signal
      // SIGKILL is the last word: also hang the terminal up, so that a shell the signal missed (one that
      // nsenter had not forked yet when it was signalled) loses it too, and nothing holds this process up.
      if (signal === 'SIGKILL') ends.close()
    },
  }
}
