import { existsSync, readFileSync } from 'node:fs'
import type { PtySize } from '../backend.js'
import { openHostPty, type HostPty } from './host-pty.js'
import type { LaunchedProcess } from './launcher/launcher.js'

/**
 * A bash login shell, or sh where the host has no bash (the sandbox's /bin is the host's, read-only). It
 * starts in the home: nsenter takes the holder's working directory, and bwrap started the holder there.
 * bash is run directly, not through `sh -c` (one exec less before the prompt).
 */
export const LOGIN_SHELL = existsSync('/bin/bash') ? ['/bin/bash', '-l'] : ['/bin/sh', '-l']

/** An nsenter command into a sandbox, ready to be launched on a terminal. */
export interface SandboxTerminalCommand {
  /** Starts the command with the pty slave at `tty` as its controlling terminal. */
  launch(tty: string): Promise<LaunchedProcess>
  /** Puts a process of the command into the sandbox's cgroup (when it has one). Never throws. */
  adopt(pid: number): void
}

/**
 * A pty opened in labgate whose process is an nsenter command into a sandbox (started by the backend's
 * launcher, off labgate's event loop). `kill` signals what nsenter runs: nsenter does not forward signals,
 * and exits once its child is reaped. The command's own process joins the sandbox's cgroup when the
 * launcher started it; what nsenter forks is adopted once it first writes.
 */
export function openSandboxPty(size: PtySize, cmd: SandboxTerminalCommand): HostPty {
  const pty = openHostPty(size, {
    launch: cmd.launch,
    kill: (pid, signal) => {
      const children = childrenOf(pid)
      for (const target of children.length > 0 ? children : [pid]) {
        try {
          process.kill(target, signal)
        } catch {
          // Already gone.
        }
      }
    },
  })
  // nsenter forks the command, possibly before it joined the cgroup: adopt it once it is talking.
  let adopted = false
  pty.onData(() => {
    if (adopted || pty.pid <= 0) return
    adopted = true
    for (const pid of childrenOf(pty.pid)) cmd.adopt(pid)
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
