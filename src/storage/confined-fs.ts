/**
 * File system steps that never follow a symlink out of a workspace: walking and creating parent
 * directories with lstat, and creating files under a temporary name (O_EXCL|O_NOFOLLOW) whose real
 * location is checked through /proc/self/fd before it is renamed into place. A job running as the
 * workspace's owner may swap any directory for a symlink at any moment; these steps refuse rather than
 * write (or read) outside.
 */
import { randomBytes } from 'node:crypto'
import { constants, promises as fs } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { badRequest } from '../domain/errors.js'

/** Host uid/gid to give what is created, or null to leave ownership as it is (labgate not root). */
export type Chown = { uid: number; gid: number } | null

const isMissing = (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT'

/**
 * Checks the existing parents of `segments` (all but the last) under `base` without creating any:
 * `bad_request` if one is a symlink or not a directory. Stops at the first missing one.
 */
export async function checkParents(base: string, segments: readonly string[], name: string): Promise<void> {
  let cur = base
  for (const s of segments.slice(0, -1)) {
    cur = join(cur, s)
    let st
    try {
      st = await fs.lstat(cur)
    } catch (e) {
      if (isMissing(e)) return
      throw e
    }
    if (st.isSymbolicLink()) throw badRequest(`'${name}' passes through a symlink`)
    if (!st.isDirectory()) throw badRequest(`'${name}' passes through something that is not a directory`)
  }
}

/**
 * Walks the parents of `segments` under `base`, creating missing ones (mode 0755, owned by `owner`),
 * refusing (`bad_request`) any that is a symlink or not a directory. Returns the parent directory.
 */
export async function ensureParents(
  base: string,
  segments: readonly string[],
  name: string,
  owner: Chown,
): Promise<string> {
  let cur = base
  for (const s of segments.slice(0, -1)) {
    cur = join(cur, s)
    let st
    try {
      st = await fs.lstat(cur)
    } catch (e) {
      if (!isMissing(e)) throw e
      try {
        await fs.mkdir(cur, { mode: 0o755 })
      } catch (e2) {
        if ((e2 as NodeJS.ErrnoException).code !== 'EEXIST') throw e2
      }
      st = await fs.lstat(cur)
      if (st.isDirectory() && owner) await fs.lchown(cur, owner.uid, owner.gid)
    }
    if (st.isSymbolicLink()) throw badRequest(`'${name}' passes through a symlink`)
    if (!st.isDirectory()) throw badRequest(`'${name}' passes through something that is not a directory`)
  }
  return cur
}

/** Where an open file really is (Linux: /proc/self/fd), or null where that cannot be known. */
export async function openedPath(handle: FileHandle): Promise<string | null> {
  try {
    return await fs.readlink(`/proc/self/fd/${handle.fd}`)
  } catch {
    return null
  }
}

/** A fresh name in the same directory for a file being written; starts with `.` so copies skip it. */
export const tempName = () => `.labgate-tmp-${randomBytes(8).toString('hex')}`

/**
 * Creates a new temporary file in `dir` (never through a symlink at its own name), checks that it
 * really is at `expectedDir`/its name (a parent swapped for a symlink would put it elsewhere: then it is
 * removed there and `bad_request` thrown), and gives it to `owner`.
 */
export async function openTemp(
  dir: string,
  expectedDir: string,
  name: string,
  owner: Chown,
): Promise<{ handle: FileHandle; path: string }> {
  const tmp = tempName()
  const path = join(dir, tmp)
  const flags = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW
  const handle = await fs.open(path, flags, 0o644)
  try {
    const real = await openedPath(handle)
    if (real !== null && real !== join(expectedDir, tmp)) {
      await fs.unlink(real).catch(() => undefined)
      throw badRequest(`'${name}' passes through a symlink`)
    }
    if (owner) await handle.chown(owner.uid, owner.gid)
    return { handle, path }
  } catch (e) {
    await handle.close()
    throw e
  }
}

/**
 * Moves a finished temporary file onto `finalPath` (same directory). rename() replaces a symlink at the
 * final name rather than following it; a directory there is refused (`bad_request`).
 */
export async function commitTemp(tmpPath: string, finalPath: string, name: string): Promise<void> {
  try {
    const st = await fs.lstat(finalPath)
    if (st.isDirectory()) throw badRequest(`'${name}' is a directory`)
  } catch (e) {
    if (!isMissing(e)) throw e
  }
  try {
    await fs.rename(tmpPath, finalPath)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'EISDIR' || code === 'ENOTEMPTY' || code === 'EEXIST')
      throw badRequest(`'${name}' is a directory`)
    throw e
  }
}

/** Removes a file if it is there; never fails. */
export const removeQuietly = (path: string) => fs.unlink(path).catch(() => undefined)
