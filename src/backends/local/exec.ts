import { readFileSync } from 'node:fs'
import { LabgateError } from '../../domain/errors.js'
import { HOLDER_COMMAND, SANDBOX_INNER_ID, sandboxEnv } from './bwrap-args.js'
import { readSandboxEnvFile } from './sandbox-env-file.js'
import { initCommand } from './sandbox-init.js'

/**
 * nsenter's arguments to run `argv` inside the sandbox whose pid 1 is `childPid`, joining its user, mount,
 * pid, ipc, uts and net namespaces, as uid/gid {@link SANDBOX_INNER_ID}, in the sandbox's working directory
 * (or `cwd`). `innerEnv` is set by `/usr/bin/env` inside the sandbox, after nsenter dropped its privileges
 * (see {@link splitHostEnv}).
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
  opts: { asRoot: boolean; cwd?: string; innerEnv?: Record<string, string> },
): string[] {
  const args = ['-t', String(childPid), '--user', '--mount', '--pid', '--ipc', '--uts', '--net']
  if (opts.asRoot) args.push('--setuid', String(SANDBOX_INNER_ID), '--setgid', String(SANDBOX_INNER_ID))
  else args.push('--preserve-credentials')
  // `--wd` without a value takes the target's working directory (the home); a path would be resolved on the host.
  args.push('--wd', '--')
  const inner = Object.entries(opts.innerEnv ?? {})
  if (inner.length > 0) args.push('/usr/bin/env', '--', ...inner.map(([name, value]) => `${name}=${value}`))
  if (opts.cwd !== undefined) args.push('/bin/sh', '-c', 'cd -- "$0" || exit 127; exec "$@"', opts.cwd)
  return [...args, ...argv]
}

/**
 * Variables that make the dynamic loader or libc read files or change behaviour (glibc's "unsecure" list,
 * locale and time zone), and util-linux debug switches.
 */
const HOST_UNSAFE = new Set([
  'GCONV_PATH',
  'GETCONF_DIR',
  'HOSTALIASES',
  'LANG',
  'LANGUAGE',
  'LOCALDOMAIN',
  'LOCPATH',
  'NIS_PATH',
  'NLSPATH',
  'RESOLV_HOST_CONF',
  'RES_OPTIONS',
  'TMPDIR',
  'TZ',
  'TZDIR',
])
const HOST_UNSAFE_PATTERN = /^(LD_|MALLOC_|GLIBC_|LC_)|_DEBUG$/

/**
 * Splits a command's environment in two: `host`, safe for nsenter itself (and node-pty's spawn helper) to run
 * with on the host, often as root; and `inner`, the variables that steer the dynamic loader or libc
 * (`LD_PRELOAD`, `GCONV_PATH`, locale and time-zone paths...), which must only take effect inside the
 * sandbox. The sandbox's environment may come from a process the sandbox user can rewrite (a sandbox
 * without a recorded environment, see {@link sandboxEnvOf}), so it is untrusted.
 * Throws `backend_failed` on a name that cannot be an environment variable or a value with a NUL byte.
 */
export function splitHostEnv(env: Record<string, string>): {
  host: Record<string, string>
  inner: Record<string, string>
} {
  const host: Record<string, string> = {}
  const inner: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || value.includes('\0')) {
      throw new LabgateError('backend_failed', `invalid environment variable ${JSON.stringify(name)}`)
    }
    if (HOST_UNSAFE.has(name) || HOST_UNSAFE_PATTERN.test(name)) inner[name] = value
    else host[name] = value
  }
  return { host, inner }
}

const HOLDER_CMDLINES = [
  'sleep\0infinity\0',
  `${HOLDER_COMMAND.join('\0')}\0`,
  `${initCommand().join('\0')}\0`,
]

/**
 * The environment the sandbox of `session` was started with: the one `start` recorded in the session's
 * directory (`sandbox-env-file.ts`). For a sandbox started by a version that did not record it, read from
 * its holder instead (see {@link holderEnvOf}). Never throws.
 */
export function sandboxEnvOf(dataDir: string, childPid: number, session: string): Record<string, string> {
  return readSandboxEnvFile(dataDir, session) ?? holderEnvOf(childPid, session)
}

/**
 * The environment of the sandbox's holder process (labgate-init, pid 1 itself; before it, `sleep infinity`,
 * a child of bubblewrap's init), read from /proc:
 * only for sandboxes that have no recorded environment. Falls back to the fixed variables when the holder
 * cannot be read or recognised (a main command instead of the holder, or a holder caught in the middle of
 * its exec, whose cmdline then reads empty). Untrusted: the sandbox user can change it (see
 * {@link splitHostEnv}).
 */
function holderEnvOf(childPid: number, session: string): Record<string, string> {
  try {
    const children = readFileSync(`/proc/${childPid}/task/${childPid}/children`, 'utf8').split(' ')
    for (const pid of [String(childPid), ...children.filter(Boolean)]) {
      // Right after start the holder may still be the shell that is about to exec sleep: same environment.
      if (!HOLDER_CMDLINES.includes(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) continue
      const env: Record<string, string> = {}
      for (const entry of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
        const eq = entry.indexOf('=')
        // The sandbox user can rewrite this memory: keep only what can be a variable.
        if (eq > 0 && /^[A-Za-z_][A-Za-z0-9_]*$/.test(entry.slice(0, eq))) {
          env[entry.slice(0, eq)] = entry.slice(eq + 1)
        }
      }
      return env
    }
  } catch {
    // Fall through to the fixed variables.
  }
  return sandboxEnv({ session, workshop: '', env: {} })
}
