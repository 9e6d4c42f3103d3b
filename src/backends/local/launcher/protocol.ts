import type { DaemonLaunch, ExitStatus, SandboxLaunch, TerminalLaunch } from './launcher.js'

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
