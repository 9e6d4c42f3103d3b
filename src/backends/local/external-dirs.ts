/**
 * Checks of the host directories a spec brings into a sandbox from outside the session's files (an external
 * home, extra mounts): each must be an existing directory reached without a symlink at its last step, and
 * every mount target an absolute, normalised path.
 */
import { lstat } from 'node:fs/promises'
import { isAbsolute, posix } from 'node:path'
import { LabgateError } from '../../domain/errors.js'
import type { SandboxSpec } from '../backend.js'

/** Rejects with `backend_failed` unless `path` is an existing directory and not a symlink (lstat). */
export async function assertPlainDirectory(path: string, what: string): Promise<void> {
  const st = await lstat(path).catch(() => null)
  if (!isAbsolute(path) || !st || st.isSymbolicLink() || !st.isDirectory()) {
    throw new LabgateError('backend_failed', `${what} ${JSON.stringify(path)} is not an existing directory`)
  }
}

/**
 * Validates `spec.home` and returns the host ids the sandbox runs as: its owner when labgate is root (never
 * uid or gid 0), else `ownIds` (a non-root labgate can run sandboxes only as itself). Rejects with
 * `backend_failed`.
 */
export async function checkExternalHome(
  home: NonNullable<SandboxSpec['home']>,
  asRoot: boolean,
  ownIds: { uid: number; gid: number },
): Promise<{ uid: number; gid: number }> {
  await assertPlainDirectory(home.dir, 'home')
  return checkOwner(home.owner, asRoot, ownIds, "a home's owner")
}

/**
 * The host ids a sandbox runs as when its spec names them (`home.owner`, `runAs`): those when labgate is
 * root, never uid or gid 0; else `ownIds`. Rejects with `backend_failed`.
 */
export function checkOwner(
  owner: { uid: number; gid: number },
  asRoot: boolean,
  ownIds: { uid: number; gid: number },
  what: string,
): { uid: number; gid: number } {
  if (!asRoot) return ownIds
  const { uid, gid } = owner
  if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid) || uid <= 0 || gid <= 0) {
    throw new LabgateError('backend_failed', `${what} must be a uid and gid other than 0 (${uid}:${gid})`)
  }
  return { uid, gid }
}

/** Validates `spec.mounts`: absolute, normalised targets without `..`, sources that are plain directories. */
export async function checkMounts(mounts: NonNullable<SandboxSpec['mounts']>): Promise<void> {
  for (const m of mounts) {
    const t = m.target
    if (
      typeof t !== 'string' ||
      !t.startsWith('/') ||
      posix.normalize(t) !== t ||
      t.split('/').includes('..')
    ) {
      throw new LabgateError(
        'backend_failed',
        `mount target ${JSON.stringify(t)} is not a normalised absolute path`,
      )
    }
    if (t.endsWith('/')) {
      throw new LabgateError('backend_failed', `mount target ${JSON.stringify(t)} is / or ends with /`)
    }
    await assertPlainDirectory(m.source, 'mount source')
  }
}
