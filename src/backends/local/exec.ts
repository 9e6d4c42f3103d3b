import { readFileSync } from 'node:fs'
import { SANDBOX_INNER_ID, sandboxEnv } from './bwrap-args.js'

/**
 * nsenter's arguments to run `argv` inside the sandbox whose pid 1 is `childPid`, joining its user, mount,
 * pid, ipc, uts and net namespaces, as uid/gid {@link SANDBOX_INNER_ID}, in the sandbox's working directory
 * (or `cwd`).
 *
 * - As root, nsenter joins the other namespaces with root's privileges first (a sandbox with a private devpts
 *   has a nested user namespace that only root can reach), then the user namespace, then drops to
 *   uid/gid 1000 (the sandbox's unprivileged host uid) before it runs anything.
 * - Otherwise nsenter runs as labgate's user, who owns the sandbox's single user namespace and keeps its
 *   credentials (`--preserve-credentials`), which map to 1000 inside.
 */
export function nsenterArgs(
  childPid: number,
  argv: string[],
  opts: { asRoot: boolean; cwd?: string },
): string[] {
  const args = ['-t', String(childPid), '--user', '--mount', '--pid', '--ipc', '--uts', '--net']
  if (opts.asRoot) args.push('--setuid', String(SANDBOX_INNER_ID), '--setgid', String(SANDBOX_INNER_ID))
  else args.push('--preserve-credentials')
  // `--wd` without a value takes the target's working directory (the home); a path would be resolved on the host.
  args.push('--wd', '--')
  if (opts.cwd !== undefined) args.push('/bin/sh', '-c', 'cd -- "$0" || exit 127; exec "$@"', opts.cwd)
  return [...args, ...argv]
}

/**
 * The environment the sandbox was started with, read from its holder process (`sleep infinity`, a child of
 * pid 1). Falls back to the fixed variables when the holder cannot be read.
 */
export function sandboxEnvOf(childPid: number, session: string): Record<string, string> {
  try {
    const children = readFileSync(`/proc/${childPid}/task/${childPid}/children`, 'utf8').split(' ')
    for (const pid of children.filter(Boolean)) {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8') !== 'sleep\0infinity\0') continue
      const env: Record<string, string> = {}
      for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
        const eq = entry.indexOf('=')
        if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1)
      }
      return env
    }
  } catch {
    // Fall through to the fixed variables.
  }
  return sandboxEnv({ session, workshop: '', env: {} })
}
