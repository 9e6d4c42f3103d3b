import { spawn } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { LabgateError } from '../../domain/errors.js'
import { hostRootEntries, systemDirArgs } from './bwrap-args.js'

export const DEFAULT_BWRAP = '/usr/bin/bwrap'
export const DEFAULT_NSENTER = '/usr/bin/nsenter'

const INSTALL_BWRAP =
  'install it with `apt-get install bubblewrap` (Debian/Ubuntu) or `dnf install bubblewrap`'
const INSTALL_NSENTER =
  'install it with `apt-get install util-linux` (Debian/Ubuntu) or `dnf install util-linux`'
const USERNS_HINT =
  'unprivileged user namespaces may be disabled: check `sysctl user.max_user_namespaces` (must be > 0), ' +
  '`kernel.unprivileged_userns_clone=1` (Debian) and `kernel.apparmor_restrict_unprivileged_userns=0` (Ubuntu)'

/**
 * Throws `backend_failed` with what to install when bwrap or nsenter is not an executable at the given path.
 * Synchronous and cheap; {@link checkLocalBackendPrerequisites} also proves bwrap can build a sandbox.
 */
export function assertToolsInstalled(bwrapPath: string, nsenterPath: string): void {
  if (!isExecutable(bwrapPath)) {
    throw new LabgateError('backend_failed', `bubblewrap (bwrap) not found at ${bwrapPath}: ${INSTALL_BWRAP}`)
  }
  if (!isExecutable(nsenterPath)) {
    throw new LabgateError('backend_failed', `nsenter not found at ${nsenterPath}: ${INSTALL_NSENTER}`)
  }
}

/**
 * Checks that the local backend can work on this machine: bwrap and nsenter are installed, and bwrap can
 * create a sandbox with new user, pid, ipc, uts and net namespaces as the sandbox uid (65534 when labgate is
 * root). Resolves `{ok: false, message}` with what to install or configure; never throws.
 */
export async function checkLocalBackendPrerequisites(
  opts: { bwrapPath?: string; nsenterPath?: string; sandboxUid?: number; sandboxGid?: number } = {},
): Promise<{ ok: true } | { ok: false; message: string }> {
  const bwrapPath = opts.bwrapPath ?? DEFAULT_BWRAP
  try {
    assertToolsInstalled(bwrapPath, opts.nsenterPath ?? DEFAULT_NSENTER)
  } catch (err) {
    return { ok: false, message: (err as Error).message }
  }
  const args = ['--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net']
  args.push(
    ...systemDirArgs(hostRootEntries()),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--uid',
    '1000',
    '--gid',
    '1000',
    '/bin/sh',
    '-c',
    'exit 0',
  )
  const ids = process.getuid?.() === 0 ? { uid: opts.sandboxUid ?? 65534, gid: opts.sandboxGid ?? 65534 } : {}
  const result = await new Promise<{ code: number | null; stderr: string; error?: Error }>((resolve) => {
    const child = spawn(bwrapPath, args, { cwd: '/', env: {}, stdio: ['ignore', 'ignore', 'pipe'], ...ids })
    let stderr = ''
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ code: null, stderr, error })
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stderr })
    })
  })
  if (result.code === 0) return { ok: true }
  const why = result.error?.message ?? (result.stderr.trim() || `exit code ${result.code}`)
  return { ok: false, message: `bwrap at ${bwrapPath} cannot create a sandbox (${why}); ${USERNS_HINT}` }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}
