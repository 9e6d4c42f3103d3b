/**
 * Joins cgroups between fork and exec for spawns that cannot run code there (Node's `child_process`): the
 * command runs through `/bin/sh`, which moves itself into each cgroup (`0` in cgroup.procs is the writer)
 * and then execs the command, so the command's first instruction already runs inside the limits. If a
 * cgroup cannot be joined, the shell exits with 126 and the command never runs.
 */
const JOIN_SCRIPT =
  'while [ "$1" != -- ]; do echo 0 >"$1/cgroup.procs" || exit 126; shift; done; shift; exec "$@"'

/** The shell that joins cgroups. Runs with the command's environment, which is host-safe (see `splitHostEnv`). */
export const JOIN_SHELL = '/bin/sh'

/**
 * `file` and `args` wrapped so that the process joins `dirs` (absolute cgroup directories) before `file`
 * runs; unchanged when `dirs` is empty. The wrapper must start with the privileges to write `cgroup.procs`.
 */
export function inCgroups(
  dirs: readonly string[] | undefined,
  file: string,
  args: readonly string[],
): { file: string; args: string[] } {
  if (!dirs || dirs.length === 0) return { file, args: [...args] }
  return { file: JOIN_SHELL, args: ['-c', JOIN_SCRIPT, 'labgate-join', ...dirs, '--', file, ...args] }
}
