import type { HeldPty } from './launcher/launcher.js'
import { MAX_PENDING_INPUT_BYTES } from './pty-input.js'
import { ptyTerminal, type HostPty, type PtyEnds } from './pty-terminal.js'

/** What {@link openHeldPty} needs besides the held pty. */
export interface HeldPtyOptions {
  /** Sends `signal` to what the launched process `pid` runs (its shell). Must not throw. */
  kill(pid: number, signal: string): void
  /** Most input bytes in flight while the shell does not read them; more is dropped (default 1 MiB). */
  maxPendingInputBytes?: number
}

/**
 * A terminal whose pty the launcher's helper holds ({@link HeldPty}): this process keeps no descriptor
 * for it, so the number of terminals is not bounded by its open-files limit. Behaves as `openHostPty`'s
 * terminals do (see {@link ptyTerminal}): input not yet taken is counted here (sent minus what the helper
 * says the pty took) and bounded, and output that arrives after `pause` waits for `resume`.
 */
export function openHeldPty(held: HeldPty, opts: HeldPtyOptions): HostPty {
  return ptyTerminal(
    heldEnds(held, opts.maxPendingInputBytes ?? MAX_PENDING_INPUT_BYTES),
    held.started,
    opts.kill,
  )
}

function heldEnds(held: HeldPty, maxPending: number): PtyEnds {
  let closed = false
  let paused = false
  /** Output relayed before the helper saw the pause. */
  const parked: Buffer[] = []
  const dataListeners: ((data: Buffer) => void)[] = []
  const takenListeners: ((pending: number) => void)[] = []
  let sent = 0
  let taken = 0
  const pending = () => Math.max(0, sent - taken)
  let settle = () => undefined as void
  // Drained once closed and every parked output was delivered.
  const drained = new Promise<void>((resolve) => (settle = () => parked.length === 0 && resolve()))
  held.onClosed(() => {
    closed = true
    settle()
  })
  held.onOutput((data) => {
    if (paused) parked.push(data)
    else dataListeners.forEach((l) => l(data))
  })
  held.onTaken((total) => {
    if (total <= taken) return
    taken = total
    takenListeners.forEach((l) => l(pending()))
  })
  return {
    closed: drained,
    onData: (listener) => dataListeners.push(listener),
    close: () => {
      if (!closed) held.close()
    },
    write: (bytes) => {
      if (closed || bytes.length === 0 || pending() + bytes.length > maxPending) return
      sent += bytes.length
      held.input(bytes)
    },
    resize: (cols, rows) => {
      if (!closed) held.resize(cols, rows)
    },
    pause: () => {
      if (paused || closed) return
      paused = true
      held.pause()
    },
    resume: () => {
      if (!paused) return
      paused = false
      // A listener may pause again: the rest then waits for the next resume.
      while (!paused && parked.length > 0) {
        const data = parked.shift() as Buffer
        dataListeners.forEach((l) => l(data))
      }
      if (closed) settle()
      else if (!paused) held.resume()
    },
    pendingInput: pending,
    onInputTaken: (listener) => takenListeners.push(listener),
    discardInput: () => {
      const dropped = pending()
      // What was sent counts as taken from now on; the helper drops it and says so.
      taken = sent
      if (!closed) held.discard()
      return dropped
    },
  }
}
