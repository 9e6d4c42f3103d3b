import { spawnSync } from 'node:child_process'
import { accessSync, chmodSync, constants, renameSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { sandboxSeccompProgram } from './deny-list.js'

/** Where `npm run build` puts the wrapper compiled from `seccomp-exec.c` (beside the native spawner). */
export const SECCOMP_EXEC_PATH = join(
  resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..'),
  'dist',
  'bin',
  'labgate-seccomp-exec',
)

/** True when the seccomp wrapper has been built and can be run. */
export function seccompExecAvailable(path = SECCOMP_EXEC_PATH): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Writes the sandbox's seccomp program ({@link sandboxSeccompProgram}) to `<dir>/seccomp.bpf` (0644,
 * replaced atomically, so a reader never sees half a program) and returns its path. The launcher opens it
 * for bwrap's `--seccomp`, and `labgate-seccomp-exec` reads it for commands entering a sandbox.
 */
export function writeSeccompProgram(dir: string): string {
  const path = join(dir, 'seccomp.bpf')
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, sandboxSeccompProgram(), { mode: 0o644 })
  chmodSync(tmp, 0o644)
  renameSync(tmp, path)
  return path
}

/**
 * The command line that runs `file args...` under the sandbox's seccomp program `filter`, through
 * `labgate-seccomp-exec` at `wrapper`: what nsenter must be started with, since a process joining a
 * sandbox's namespaces does not inherit its filter.
 */
export function underSeccomp(
  filter: string,
  file: string,
  args: string[],
  wrapper = SECCOMP_EXEC_PATH,
): { file: string; args: string[] } {
  return { file: wrapper, args: [filter, file, ...args] }
}

const userns = new Map<string, boolean>()

/**
 * True when the bwrap at `bwrapPath` has `--disable-userns` (bubblewrap 0.8 and later), which caps the
 * sandbox's user namespaces so that nothing inside, a process nsenter brought in included, can create
 * another. Asked once per path (`bwrap --help`).
 */
export function bwrapCanDisableUserns(bwrapPath: string): boolean {
  let known = userns.get(bwrapPath)
  if (known === undefined) {
    const help = spawnSync(bwrapPath, ['--help'], { encoding: 'utf8', env: {}, timeout: 5000 })
    known = `${help.stdout ?? ''}${help.stderr ?? ''}`.includes('--disable-userns')
    userns.set(bwrapPath, known)
  }
  return known
}

/** How sandboxes are confined beyond their namespaces, decided once per backend by {@link sandboxHardening}. */
export interface SandboxHardening {
  /** The seccomp program given to bwrap (`--seccomp`), or none when the filter is off. */
  seccompFile?: string
  /** Whether bwrap gets `--disable-userns`. */
  disableUserns: boolean
  /** The command line that starts `file args...` (nsenter into a sandbox) under the sandbox's filter. */
  enter(file: string, args: string[]): { file: string; args: string[] }
}

/**
 * Decides the hardening of a backend's sandboxes. With `seccomp`, writes the program into `dir` and runs
 * commands entering a sandbox under `wrapper` (warning through `log`, once, when it has not been built: such
 * commands then run without the filter). `--disable-userns` is used when bwrap has it and labgate runs as
 * root: it nests a user namespace that only root's nsenter can join.
 */
export function sandboxHardening(opts: {
  dir: string
  bwrapPath: string
  asRoot: boolean
  seccomp: boolean
  wrapper?: string
  log: (msg: string) => void
}): SandboxHardening {
  const disableUserns = opts.asRoot && bwrapCanDisableUserns(opts.bwrapPath)
  const same = (file: string, args: string[]) => ({ file, args })
  if (!opts.seccomp) return { disableUserns, enter: same }
  const seccompFile = writeSeccompProgram(opts.dir)
  const wrapper = opts.wrapper ?? SECCOMP_EXEC_PATH
  if (!seccompExecAvailable(wrapper)) {
    opts.log(
      `labgate: ${wrapper} is missing (npm run build compiles it with a C compiler): terminal shells and ` +
        "exec'd commands run without the sandbox's seccomp filter",
    )
    return { seccompFile, disableUserns, enter: same }
  }
  return {
    seccompFile,
    disableUserns,
    enter: (file, args) => underSeccomp(seccompFile, file, args, wrapper),
  }
}
