/**
 * `labgate-init` (`launcher/sandbox-init.c`), each sandbox's pid 1 in place of bubblewrap's own init
 * (`bwrap --as-pid-1`): it holds the session's lock, signals readiness, reaps orphans and runs a main
 * program when there is one, so a sandbox is one process fewer. Without a C compiler it is not built and
 * sandboxes keep bubblewrap's init and the shell holder (`bwrap-args.ts`).
 */
import { accessSync, chmodSync, constants, copyFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SANDBOX_LOCK_PATH } from './sandbox-lock.js'

/** Where `npm run build` puts it (beside the native spawner). */
export const INIT_BUILD_PATH = join(
  resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..'),
  'dist',
  'bin',
  'labgate-init',
)

/** Where it is mounted, read-only, inside every sandbox. */
export const SANDBOX_INIT_PATH = '/run/labgate/init'

/**
 * Copies the built init to `<dataDir>/sessions/.bin/labgate-init` (0755, in a 0755 directory: the
 * sandbox's uid, which is not labgate's when labgate is root, must reach it to mount it) unless an
 * identical copy is there, and returns that path; null when it was not built.
 */
export function installSandboxInit(dataDir: string, built = INIT_BUILD_PATH): string | null {
  try {
    accessSync(built, constants.X_OK)
  } catch {
    return null
  }
  const dir = join(resolve(dataDir), 'sessions', '.bin')
  const target = join(dir, 'labgate-init')
  mkdirSync(dir, { recursive: true, mode: 0o755 })
  chmodSync(dir, 0o755)
  const same = (() => {
    try {
      return readFileSync(target).equals(readFileSync(built))
    } catch {
      return false
    }
  })()
  if (!same) {
    // Replaced atomically: a sandbox starting meanwhile mounts either the old file or the new one.
    const tmp = `${target}.${process.pid}.tmp`
    copyFileSync(built, tmp)
    chmodSync(tmp, 0o755)
    renameSync(tmp, target)
  }
  return target
}

/** bwrap's options for a sandbox whose pid 1 is the init at `hostPath`, holding the lock at `lockPath`. */
export function initBwrapArgs(hostPath: string, lockPath: string): string[] {
  return ['--as-pid-1', '--ro-bind', lockPath, SANDBOX_LOCK_PATH, '--ro-bind', hostPath, SANDBOX_INIT_PATH]
}

/** The sandbox's command: the init, idle or running `main` (with stdio on /dev/null) until it exits. */
export function initCommand(main?: string[]): string[] {
  return [SANDBOX_INIT_PATH, '--lock', SANDBOX_LOCK_PATH, ...(main ? ['--', ...main] : [])]
}
