import { lstatSync, readlinkSync } from 'node:fs'
import { LabgateError } from '../../domain/errors.js'
import { SANDBOX_HOME, type SandboxSpec } from '../backend.js'
import { etcArgs, hostEtcEntries, type EtcEntry } from './etc-entries.js'
import type { EtcView } from './etc-view.js'

/** Where the session's home is mounted inside every sandbox (the port's contract). */
export { SANDBOX_HOME }

/** The uid and gid a sandbox's processes have inside their user namespace. */
export const SANDBOX_INNER_ID = 1000
/** The line the holder prints once the sandbox is fully set up. */
export const READY_LINE = 'ready'
/** The holder: a shell that signals readiness on stdout, then becomes an idle `sleep infinity`. */
export const HOLDER_COMMAND = [
  '/bin/sh',
  '-c',
  `echo ${READY_LINE}; exec sleep infinity </dev/null >/dev/null 2>&1`,
]

/**
 * A main program run instead of the idle holder: the shell signals readiness as the holder does, then
 * becomes `command` with stdin, stdout and stderr on /dev/null. The sandbox ends when it exits.
 */
export function mainCommand(command: string[]): string[] {
  return ['/bin/sh', '-c', `echo ${READY_LINE}; exec "$@" </dev/null >/dev/null 2>&1`, 'sh', ...command]
}

/** A top-level host directory that must also exist in the sandbox: a merged-/usr symlink, or a real dir. */
export type RootEntry = { name: string; symlink: string } | { name: string; dir: true }

/**
 * Inspects `/bin`, `/sbin`, `/lib`, `/lib32`, `/lib64` and `/libx32` on the host: on a merged-/usr system they
 * are symlinks into /usr (recreated as symlinks), elsewhere directories (bound read-only). Absent ones are
 * skipped.
 */
export function hostRootEntries(root = '/'): RootEntry[] {
  const entries: RootEntry[] = []
  for (const name of ['bin', 'sbin', 'lib', 'lib32', 'lib64', 'libx32']) {
    try {
      const st = lstatSync(root + name)
      if (st.isSymbolicLink()) entries.push({ name, symlink: readlinkSync(root + name) })
      else if (st.isDirectory()) entries.push({ name, dir: true })
    } catch {
      // Absent on this machine: nothing to recreate.
    }
  }
  return entries
}

/** Read-only /usr plus the top-level entries of {@link hostRootEntries}, as bwrap arguments. */
export function systemDirArgs(entries: RootEntry[]): string[] {
  const args = ['--ro-bind', '/usr', '/usr']
  for (const entry of entries) {
    if ('symlink' in entry) args.push('--symlink', entry.symlink, `/${entry.name}`)
    else args.push('--ro-bind', `/${entry.name}`, `/${entry.name}`)
  }
  return args
}

/**
 * The sandbox's whole environment: the spec's variables, then the fixed identity ones (`HOME`, `USER`,
 * `SESSION_NAME`), with `PATH` and `TERM` defaults the spec may override. Throws `backend_failed` on a name
 * that cannot be an environment variable or a value with a NUL byte.
 */
export function sandboxEnv(spec: SandboxSpec): Record<string, string> {
  for (const [name, value] of Object.entries(spec.env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || value.includes('\0')) {
      throw new LabgateError('backend_failed', `invalid environment variable ${JSON.stringify(name)}`)
    }
  }
  return {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    TERM: 'xterm-256color',
    ...spec.env,
    HOME: SANDBOX_HOME,
    USER: 'lab',
    SESSION_NAME: spec.session,
  }
}

/** What {@link bwrapArgs} needs to know about one sandbox. */
export interface BwrapArgsInput {
  session: string
  /** Host path of the session's home. */
  home: string
  env: Record<string, string>
  network: 'none' | 'host'
  /**
   * Give the sandbox a private devpts: the one the launcher mounted on `devptsDir`, else bwrap's `--dev`
   * (a /dev tmpfs with a devpts; bwrap then nests a second user namespace).
   */
  devpts: boolean
  /** Host path of a devpts instance the launcher mounted for this sandbox alone (see `devpts`). */
  devptsDir?: string
  rootEntries: RootEntry[]
  /** fd number on which bwrap reports the sandbox's pid 1. */
  infoFd: number
  /** Host files mounted over /etc/passwd and /etc/group (the sandbox's own accounts). */
  identity?: { passwd: string; group: string }
  /** The host /etc entries the sandbox sees (default: {@link hostEtcEntries}, the curated list). */
  etcEntries?: EtcEntry[]
  /**
   * A prepared /etc (`prepareEtcView`, holding the identity files too), bound read-only instead of
   * `etcEntries` and `identity` one by one; not used when a mount's target is in /etc (it needs a mount
   * point there).
   */
  etcView?: EtcView
  /** fd number from which bwrap reads the sandbox's seccomp program (`--seccomp`); none when omitted. */
  seccompFd?: number
  /** Pass `--disable-userns`: nothing in the sandbox can create a user namespace (bwrap 0.8 and later). */
  disableUserns?: boolean
  /**
   * Size of `/tmp` (and of `/dev/shm`, which is /tmp except under bwrap's `--dev`), bytes (bwrap's
   * `--size`); absent: the kernel's default (half the RAM). Under `--dev`, `/dev/shm` is bounded by the
   * memory limit.
   */
  tmpSize?: number
  /** Host directories bound after the home, in order (validated by `checkMounts`). */
  mounts?: { source: string; target: string; readOnly: boolean }[]
}

/**
 * bwrap's options for one sandbox (passed through `--args <fd>`, before {@link HOLDER_COMMAND}): new user, pid, ipc, uts and
 * (for `network: 'none'`) net namespaces; read-only /usr and the curated entries of /etc; own /proc, /dev and /tmp (sized by `tmpSize`); the home at
 * {@link SANDBOX_HOME}, then `mounts`; a read-only root; uid and gid {@link SANDBOX_INNER_ID}; the given
 * environment only. Filesystems of its own: bwrap's root, a devpts (and under `--dev` a /dev tmpfs), /tmp,
 * /proc (and the IPC namespace's mqueue).
 */
export function bwrapArgs(input: BwrapArgsInput): string[] {
  const args = ['--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts']
  args.push('--hostname', input.session)
  if (input.network === 'none') args.push('--unshare-net')
  // /etc is the prepared view (one bind), else a directory of the root tmpfs holding the curated host
  // entries: no filesystem of its own either way. Each filesystem a sandbox mounts costs the kernel a slot
  // in every memory cgroup on the host, so a sandbox mounts as few as it can (docs/capacity.md).
  args.push(...systemDirArgs(input.rootEntries))
  const inEtc = (input.mounts ?? []).some((m) => m.target === '/etc' || m.target.startsWith('/etc/'))
  const view = inEtc ? undefined : input.etcView
  if (view) args.push('--ro-bind', view.dir, '/etc', ...etcArgs(view.live))
  else args.push('--dir', '/etc', ...etcArgs(input.etcEntries ?? hostEtcEntries()))
  args.push('--proc', '/proc')
  if (input.identity && !view)
    args.push(
      '--ro-bind',
      input.identity.passwd,
      '/etc/passwd',
      '--ro-bind',
      input.identity.group,
      '/etc/group',
    )
  const size = input.tmpSize ? ['--size', String(input.tmpSize)] : []
  if (input.devpts && !input.devptsDir) {
    // bwrap's --dev: a tmpfs with the device nodes and a devpts; /dev/shm a directory of it (bounded by the
    // sandbox's memory limit).
    args.push('--dev', '/dev', '--chmod', '1777', '/dev/shm')
  } else {
    // /dev is a directory of the read-only root with the device nodes bound in, and the devpts the launcher
    // mounted for this sandbox, if any: no filesystem of its own. /dev/shm is /tmp (its size, its tmpfs).
    // (Without --dev, bwrap keeps a single user namespace, which an unprivileged nsenter can join.)
    args.push('--dir', '/dev')
    for (const dev of ['null', 'zero', 'full', 'random', 'urandom', 'tty']) {
      args.push('--dev-bind', `/dev/${dev}`, `/dev/${dev}`)
    }
    args.push('--symlink', '/proc/self/fd', '/dev/fd', '--symlink', '/tmp', '/dev/shm')
    for (const [fd, name] of ['stdin', 'stdout', 'stderr'].entries()) {
      args.push('--symlink', `/proc/self/fd/${fd}`, `/dev/${name}`)
    }
    if (input.devptsDir)
      args.push('--dev-bind', input.devptsDir, '/dev/pts', '--symlink', 'pts/ptmx', '/dev/ptmx')
  }
  args.push('--perms', '1777', ...size, '--tmpfs', '/tmp')
  args.push('--bind', input.home, SANDBOX_HOME, '--chdir', SANDBOX_HOME)
  // After the home, so a target under it (a workspace) lands on top of it.
  for (const m of input.mounts ?? []) args.push(m.readOnly ? '--ro-bind' : '--bind', m.source, m.target)
  // The root tmpfs (and /etc, /dev's mount points in it) read-only: the sandbox user owns it inside.
  args.push('--remount-ro', '/')
  args.push('--uid', String(SANDBOX_INNER_ID), '--gid', String(SANDBOX_INNER_ID))
  args.push('--clearenv')
  for (const [name, value] of Object.entries(input.env)) args.push('--setenv', name, value)
  args.push('--info-fd', String(input.infoFd))
  if (input.disableUserns) args.push('--disable-userns')
  if (input.seccompFd !== undefined) args.push('--seccomp', String(input.seccompFd))
  return args
}
