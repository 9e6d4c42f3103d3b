import { closeSync, writeSync } from 'node:fs'
import { constants } from 'node:os'
import tty from 'node:tty'
import * as nodePty from 'node-pty'
import type { PtyLike, PtySize } from '../backend.js'
import type { LaunchedProcess } from './launcher/launcher.js'
import { PtyInput } from './pty-input.js'

/** The parts of node-pty's native module used here: `openpty(3)` and `TIOCSWINSZ`. No fork. */
interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string }
  resize(fd: number, cols: number, rows: number): void
}
const native = (nodePty as unknown as { native: NativePty }).native

/** How long output may still drain after the shell exited, before its exit is reported anyway. */
const DRAIN_MS = 200

/** What {@link openHostPty} needs besides the size. */
export interface HostPtyOptions {
  /** Starts the shell with the pty slave at this path as its controlling terminal. */
  launch(tty: string): Promise<LaunchedProcess>
  /** Sends `signal` to what the launched process `pid` runs (its shell). Must not throw. */
  kill(pid: number, signal: string): void
  /** Most input bytes kept while the shell does not read them; more is dropped (default 1 MiB). */
  maxPendingInputBytes?: number
}

/** A {@link PtyLike} with the pid of the launched process (-1 until it runs). */
export interface HostPty extends PtyLike {
  readonly pid: number
}

/**
 * A terminal whose pty is opened in this process while its shell is started elsewhere (by a launcher, off
 * this event loop). The master side stays here: output, input and resizes never leave this process. The
 * slave side is closed here once the shell holds it. Returned at once; input typed before the shell runs
 * waits in the pty. Input is written to the non-blocking master directly (never through a stream, whose
 * writes libuv retries in a busy loop on a pty master); what the pty does not take waits in a bounded
 * {@link PtyInput} queue, reported by `pendingInput` and `onInputTaken`. When the launch fails, the reason is shown in the terminal and it exits with status 1.
 * Exit is reported once the shell has been reaped and its output drained (at most {@link DRAIN_MS} later).
 */
export function openHostPty(size: PtySize, opts: HostPtyOptions): HostPty {
  const pair = native.open(size.cols, size.rows)
  const master = new tty.ReadStream(pair.master)
  // node-pty's open made the master non-blocking (it throws otherwise): this write never waits.
  const input = new PtyInput({
    write: (bytes) => writeSync(pair.master, bytes),
    ...(opts.maxPendingInputBytes ? { maxPendingBytes: opts.maxPendingInputBytes } : {}),
  })
  const dataListeners: ((data: Buffer) => void)[] = []
  const exitListeners: ((e: { exitCode: number; signal?: number }) => void)[] = []
  let pid = -1
  let pendingSignal: string | null = null
  let closed = false
  let exitReported = false

  // Closed by itself once every holder of the slave side is gone (EIO): from then on the descriptor's
  // number may belong to another file, so nothing may use it.
  const drained = new Promise<void>((resolve) =>
    master.once('close', () => {
      closed = true
      input.close()
      resolve()
    }),
  )
  master.on('data', (data: Buffer) => {
    // Output (an echo, a prompt) means the program is active: it may take pending input now.
    input.kick()
    dataListeners.forEach((l) => l(data))
  })
  // EIO: every holder of the slave side is gone. The stream closes after it.
  master.on('error', () => undefined)

  const closeMaster = () => {
    if (closed) return
    closed = true
    input.close()
    master.destroy()
  }
  const reportExit = (exitCode: number, signal?: string | null) => {
    if (exitReported) return
    exitReported = true
    closeMaster()
    const number = signal ? (constants.signals as Record<string, number>)[signal] : undefined
    exitListeners.forEach((l) => l({ exitCode, ...(number !== undefined ? { signal: number } : {}) }))
  }

  void opts.launch(pair.pty).then(
    (launched) => {
      closeSync(pair.slave)
      pid = launched.pid
      if (pendingSignal) opts.kill(pid, pendingSignal)
      void launched.exit.then(async (status) => {
        // Lost track of the shell (its launcher died): the pty tells once every holder is gone.
        if (status) await Promise.race([drained, new Promise((r) => setTimeout(r, DRAIN_MS))])
        else await drained
        reportExit(status?.code ?? 0, status?.signal)
      })
    },
    (err: Error) => {
      closeSync(pair.slave)
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
    write: (data) => {
      if (!closed) input.push(Buffer.from(data))
    },
    pendingInput: () => input.pending,
    onInputTaken: (listener) => input.onTaken(listener),
    discardInput: () => input.discard(),
    resize: (cols, rows) => {
      // Once closed, the descriptor's number may belong to another file.
      if (!closed) native.resize(pair.master, cols, rows)
    },
    pause: () => master.pause(),
    resume: () => master.resume(),
    kill: (signal = 'SIGHUP') => {
      if (pid > 0) opts.kill(pid, signal)
      else pendingSignal = signal
      // SIGKILL is the last word: also hang the terminal up, so that a shell the signal missed (one that
      // nsenter had not forked yet when it was signalled) loses it too, and nothing holds this process up.
      if (signal === 'SIGKILL') closeMaster()
    },
  }
}
