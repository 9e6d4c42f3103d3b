/**
 * Pure validation of the names clients give for files in a workspace and of workspace references. No
 * file system access: these checks hold whatever is on disk; `confined-fs.ts` adds the on-disk ones.
 */
import { badRequest } from '../domain/errors.js'
import type { WorkspaceRef } from './workspace-storage.js'

/** Longest name (bytes, UTF-8) and longest segment (bytes), as Linux' PATH_MAX and NAME_MAX. */
export const MAX_NAME_BYTES = 4096
export const MAX_SEGMENT_BYTES = 255

const OWNER_ID = /^[A-Za-z0-9._@-]{1,128}$/

/**
 * Splits a client's file name into its segments, refusing with `bad_request` anything that could leave
 * the workspace or is not a plain relative path: empty, NUL bytes, `.` or `..` segments, empty segments
 * (`a//b`, a trailing `/`), over {@link MAX_NAME_BYTES} or a segment over {@link MAX_SEGMENT_BYTES}.
 * One leading `/` is stripped first (clients send names as `/a/b`, meaning `a/b`); a second one makes
 * the name absolute and is refused.
 */
export function nameSegments(name: string): string[] {
  if (typeof name !== 'string') throw badRequest('file name must be a string')
  if (name.includes('\0')) throw badRequest('file name contains a NUL byte')
  if (Buffer.byteLength(name, 'utf8') > MAX_NAME_BYTES)
    throw badRequest(`file name is longer than ${MAX_NAME_BYTES} bytes`)
  const rel = name.startsWith('/') ? name.slice(1) : name
  if (rel === '') throw badRequest('file name is empty')
  if (rel.startsWith('/')) throw badRequest(`file name '${name}' is an absolute path`)
  const segments = rel.split('/')
  for (const s of segments) {
    if (s === '') throw badRequest(`file name '${name}' has an empty segment`)
    if (s === '.' || s === '..') throw badRequest(`file name '${name}' has a '${s}' segment`)
    if (Buffer.byteLength(s, 'utf8') > MAX_SEGMENT_BYTES)
      throw badRequest(`file name '${name}' has a segment longer than ${MAX_SEGMENT_BYTES} bytes`)
  }
  return segments
}

/** Refuses (`bad_request`) an owner id that is not a plain directory name or an id that is not a positive integer. */
export function checkWorkspaceRef(ws: WorkspaceRef): void {
  if (
    typeof ws.ownerId !== 'string' ||
    !OWNER_ID.test(ws.ownerId) ||
    ws.ownerId === '.' ||
    ws.ownerId === '..'
  )
    throw badRequest(`workspace owner id '${String(ws.ownerId)}' is not a valid directory name`)
  if (!Number.isSafeInteger(ws.id) || ws.id <= 0)
    throw badRequest(`workspace id ${String(ws.id)} is not a positive integer`)
}

/** Whether `path` is `root` or lies under it (path prefix with a separator, never a string prefix). */
export function isUnder(path: string, root: string): boolean {
  if (path === root) return true
  const base = root.endsWith('/') ? root : `${root}/`
  return path.startsWith(base)
}
