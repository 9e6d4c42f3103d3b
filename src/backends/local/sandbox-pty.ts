import { existsSync, readFileSync } from 'node:fs'
import type { PtySize } from '../backend.js'
import { openHeldPty } from './held-pty.js'
import { openHostPty, type HostPty } from './host-pty.js'
import { LabgateError } from '../../domain/errors.js'
import type { LaunchedProcess, ProcessLauncher, SandboxEntry, TerminalLaunch } from './launcher/launcher.js'

/**
 * A bash login shell, or sh where the host has no bash (the sandbox's /bin is the host's, read-only). It
 * starts in the home: nsenter takes the holder's working directory, and bwrap started the holder there.
 * bash is run directly, not through `sh -c` (one exec less before the prompt).
 */
export const LOGIN_SHELL = existsSync('/bin/bash') ? ['/bin/bash', '-l'] : ['/bin/sh', '-l']

/**
 * An nsenter command into a sandbox, ready to be run on a terminal; or, with `sandbox`, a program the
 * launcher runs inside the sandbox itself (only launchers with {@link ProcessLauncher.openPty}).
 */
export interface SandboxTerminalCommand extends Omit<TerminalLaunch, 'tty'> {
  sandbox?: SandboxEntry
  /** Puts a process of the command into the sandbox's cgroup (when it has one). Never throws. */
  adopt(pid: number): void
}

/**
 * A terminal whose process is an nsenter command into a sandbox, started by the backend's launcher (off
 * labgate's event loop). Its pty is held by the launcher's helper where the launcher can
 * ({@link ProcessLauncher.openPty}: labgate then holds no descriptor per terminal), else opened in
 * labgate. `kill` signals what nsenter runs: nsenter does not forward signals, and exits once its child
 * is reaped. The command's own process joins the sandbox's cgroup when the launcher started it; what
 * nsenter forks is adopted once it first writes.
 */
export function openSandboxPty(
  size: PtySize,
  launcher: ProcessLauncher,
  cmd: SandboxTerminalCommand,
): HostPty {
  const { adopt, ...launch } = cmd
  const entered = launch.sandbox !== undefined
  if (entered && !launcher.openPty) {
    throw new LabgateError('backend_failed', 'this launcher cannot enter a sandbox itself')
  }
  const kill = (pid: number, signal: string) => {
    const children = entered ? [] : childrenOf(pid)
    for (const target of children.length > 0 ? children : [pid]) {
      try {
        process.kill(target, signal)
      } catch {
        // Already gone.
      }
    }
  }
  const started = (launched: LaunchedProcess) => {
    adopt(launched.pid)
    return launched
  }
  let pty: HostPty
  if (launcher.openPty) {
    const held = launcher.openPty({ ...launch, size })
    void held.started.then(started, () => undefined)
    pty = openHeldPty(held, { kill })
  } else {
    pty = openHostPty(size, {
      launch: (tty) => launcher.spawnOnTerminal({ ...launch, tty }).then(started),
      kill,
    })
  }
  // nsenter forks the command, possibly before it joined the cgroup: adopt it once it is talking.
  let adopted = entered
  pty.onData(() => {
    if (adopted || pty.pid <= 0) return
    adopted = true
    for (const pid of childrenOf(pty.pid)) adopt(pid)
  })
  return pty
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
  } catch {
    return []
  }
}
