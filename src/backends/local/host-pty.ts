import { closeSync, writeSync } from 'node:fs'
import tty from 'node:tty'
import * as nodePty from 'node-pty'
import type { PtySize } from '../backend.js'
import type { LaunchedProcess } from './launcher/launcher.js'
import { PtyInput } from './pty-input.js'
import { ptyTerminal, type HostPty, type PtyEnds } from './pty-terminal.js'

export type { HostPty } from './pty-terminal.js'

/** The parts of node-pty's native module used here: `openpty(3)` and `TIOCSWINSZ`. No fork. */
interface NativePty {
  open(cols: number, rows: number): { master: number; slave: number; pty: string }
  resize(fd: number, cols: number, rows: number): void
}
const native = (nodePty as unknown as { native: NativePty }).native

/** What {@link openHostPty} needs besides the size. */
export interface HostPtyOptions {
  /** Starts the shell with the pty slave at this path as its controlling terminal. */
  launch(tty: string): Promise<LaunchedProcess>
  /** Sends `signal` to what the launched process `pid` runs (its shell). Must not throw. */
  kill(pid: number, signal: string): void
  /** Most input bytes kept while the shell does not read them; more is dropped (default 1 MiB). */
  maxPendingInputBytes?: number
}

/**
 * A terminal whose pty is opened in this process while its shell is started elsewhere (by a launcher, off
 * this event loop). The master side stays here: output, input and resizes never leave this process. The
 * slave side is closed here once the shell holds it. Returned at once (see {@link ptyTerminal}). Input is
 * written to the non-blocking master directly (never through a stream, whose writes libuv retries in a
 * busy loop on a pty master); what the pty does not take waits in a bounded {@link PtyInput} queue,
 * reported by `pendingInput` and `onInputTaken`.
 */
export function openHostPty(size: PtySize, opts: HostPtyOptions): HostPty {
  const pair = native.open(size.cols, size.rows)
  const launching = opts.launch(pair.pty)
  // Once the shell holds the slave (or will never), this process lets go of it.
  void launching.then(
    () => closeSync(pair.slave),
    () => closeSync(pair.slave),
  )
  return ptyTerminal(masterEnds(pair.master, opts.maxPendingInputBytes), launching, opts.kill)
}

/** The {@link PtyEnds} of a pty master open in this process. */
function masterEnds(fd: number, maxPendingBytes: number | undefined): PtyEnds {
  const master = new tty.ReadStream(fd)
  // node-pty's open made the master non-blocking (it throws otherwise): this write never waits.
  const input = new PtyInput({
    write: (bytes) => writeSync(fd, bytes),
    ...(maxPendingBytes ? { maxPendingBytes } : {}),
  })
  let closed = false
  // Closed by itself once every holder of the slave side is gone (EIO): from then on the descriptor's
  // number may belong to another file, so nothing may use it.
  const drained = new Promise<void>((resolve) =>
    master.once('close', () => {
      closed = true
      input.close()
      resolve()
    }),
  )
  // Output (an echo, a prompt) means the program is active: it may take pending input now.
  master.on('data', () => input.kick())
  // EIO: every holder of the slave side is gone. The stream closes after it.
  master.on('error', () => undefined)
  return {
    closed: drained,
    onData: (listener) => master.on('data', listener),
    close: () => {
      if (closed) return
      closed = true
      input.close()
      master.destroy()
    },
    write: (bytes) => {
      if (!closed) input.push(bytes)
    },
    resize: (cols, rows) => {
      if (!closed) native.resize(fd, cols, rows)
    },
    pause: () => master.pause(),
    resume: () => master.resume(),
    pendingInput: () => input.pending,
    onInputTaken: (listener) => input.onTaken(listener),
    discardInput: () => input.discard(),
  }
}
