import type { DaemonLaunch, ExitStatus, PtyLaunch, SandboxLaunch, TerminalLaunch } from './launcher.js'

/** A request from labgate to its launcher helper. `id` pairs it with its {@link HelperReply}. */
export type HelperRequest =
  | { id: number; op: 'sandbox'; opts: SandboxLaunch }
  | { id: number; op: 'terminal'; opts: TerminalLaunch }
  | { id: number; op: 'daemon'; opts: DaemonLaunch }

/** The helper's answer to one request, or the news that a process it started has been reaped. */
export type HelperReply =
  | { id: number; ok: true; pid: number; childPid?: number }
  | { id: number; ok: false; code: string; message: string }
  | { exited: number; status: ExitStatus }

/**
 * A message for the native spawner's pty relay (`pty-relay.c`): `open` is a request like the others
 * (`id` pairs it with its reply, and names the terminal from then on); the rest control an open terminal
 * and have no reply.
 */
export type RelayRequest =
  | { id: number; op: 'open'; opts: PtyLaunch }
  | { pty: number; op: 'input'; data: Buffer }
  | { pty: number; op: 'resize'; cols: number; rows: number }
  | { pty: number; op: 'pause' | 'resume' | 'discard' | 'close' }

/** What the relay says of an open terminal: output, input taken in all (written or dropped), closed. */
export type RelayReply =
  { pty: number; output: Buffer } | { pty: number; taken: number } | { pty: number; closed: true }
