import { readFileSync } from 'node:fs'
import { spawn } from 'node-pty'
import { SANDBOX_HOME } from '../backends/local/bwrap-args.js'
import type { LocalBackend } from '../backends/local/index.js'
import type { PtyLike, ShellSpawner } from './terminal-manager.js'

/** Prefers a bash login shell, falls back to sh; starts in the home whatever nsenter chose. */
const SHELL_SCRIPT = `cd ${SANDBOX_HOME} 2>/dev/null; [ -x /bin/bash ] && exec /bin/bash -l; exec /bin/sh -l`

/**
 * The real {@link ShellSpawner} of the local backend: a pty (node-pty) whose process is the nsenter command
 * of `LocalBackend.exec`, running a login shell (`/bin/bash -l`, else `/bin/sh -l`) inside the sandbox as its
 * unprivileged user, in /home/lab, with the sandbox's environment plus `env`, `TERM=xterm-256color` and
 * `HOME=/home/lab`. `kill` signals the shell (nsenter then exits with it). Throws `backend_failed` when the sandbox is gone.
 */
export function localShellSpawner(backend: LocalBackend): ShellSpawner {
  return (_session, handle, env, size) => {
    const cmd = backend.execCommand(handle, ['/bin/sh', '-c', SHELL_SCRIPT], {
      env: { ...env, TERM: 'xterm-256color', HOME: SANDBOX_HOME },
    })
    const pty = spawn(cmd.file, cmd.args, {
      name: 'xterm-256color',
      cols: size.cols,
      rows: size.rows,
      cwd: '/',
      env: cmd.env,
      encoding: null,
    })
    cmd.adopt(pty.pid)
    // nsenter forks the shell, possibly before it joined the cgroup: adopt the shell once it is talking.
    const first = pty.onData(() => {
      first.dispose()
      for (const pid of childrenOf(pty.pid)) cmd.adopt(pid)
    })
    const wrapped: PtyLike = {
      pid: pty.pid,
      onData: (listener) => pty.onData(listener),
      onExit: (listener) => pty.onExit(listener),
      write: (data) => pty.write(data),
      resize: (cols, rows) => pty.resize(cols, rows),
      pause: () => pty.pause(),
      resume: () => pty.resume(),
      kill: (signal = 'SIGHUP') => {
        // nsenter does not forward signals: signal the shell (its child); nsenter exits once it is reaped.
        const shells = childrenOf(pty.pid)
        for (const pid of shells.length > 0 ? shells : [pty.pid]) {
          try {
            process.kill(pid, signal)
          } catch {
            // Already gone.
          }
        }
      },
    }
    return wrapped
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number)
  } catch {
    return []
  }
}
