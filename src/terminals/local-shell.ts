import { existsSync, readFileSync } from 'node:fs'
import { SANDBOX_HOME } from '../backends/local/bwrap-args.js'
import type { LocalBackend } from '../backends/local/index.js'
import { openHostPty } from './host-pty.js'
import type { ShellSpawner } from './terminal-manager.js'

/**
 * A bash login shell, or sh where the host has no bash (the sandbox's /bin is the host's, read-only). It
 * starts in the home: nsenter takes the holder's working directory, and bwrap started the holder there.
 * bash is run directly, not through `sh -c` (one exec less before the prompt).
 */
const SHELL_ARGV = existsSync('/bin/bash') ? ['/bin/bash', '-l'] : ['/bin/sh', '-l']

/**
 * The real {@link ShellSpawner} of the local backend: a pty opened in labgate, whose process is the nsenter
 * command of `LocalBackend.exec`, started by the backend's launcher (off labgate's event loop), running a
 * login shell (`/bin/bash -l`, else `/bin/sh -l`) inside the sandbox as its unprivileged user, in /home/lab,
 * with the sandbox's environment plus `env`, `TERM=xterm-256color` and `HOME=/home/lab`. `kill` signals the
 * shell (nsenter then exits with it). Throws `backend_failed` when the sandbox is gone.
 */
export function localShellSpawner(backend: LocalBackend): ShellSpawner {
  return (_session, handle, env, size) => {
    const cmd = backend.execCommand(handle, SHELL_ARGV, {
      env: { ...env, TERM: 'xterm-256color', HOME: SANDBOX_HOME },
    })
    const pty = openHostPty(size, {
      launch: (tty) => backend.launchOnTerminal(cmd, tty),
      // nsenter does not forward signals: signal the shell (its child); nsenter exits once it is reaped.
      kill: (pid, signal) => {
        const shells = childrenOf(pid)
        for (const target of shells.length > 0 ? shells : [pid]) {
          try {
            process.kill(target, signal)
          } catch {
            // Already gone.
          }
        }
      },
    })
    // nsenter forks the shell, possibly before it joined the cgroup: adopt the shell once it is talking.
    let adopted = false
    pty.onData(() => {
      if (adopted || pty.pid <= 0) return
      adopted = true
      for (const pid of childrenOf(pty.pid)) cmd.adopt(pid)
    })
    return pty
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
  } catch {
    return []
  }
}
