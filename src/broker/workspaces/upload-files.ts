import { Readable } from 'node:stream'
import { badRequest, notFound, payloadTooLarge } from '../../domain/errors.js'
import { formatBytes } from '../../storage/local-storage.js'
import type { WorkspaceRecord } from '../../store/workspace-records.js'
import type { WorkspaceDeps } from './deps.js'
import { getWorkspace } from './read-workspaces.js'
import { mergeEntries } from './workspace-input.js'

/** One file of an upload: its name relative to the workspace and its content, read once, in order. */
export interface UploadedFile {
  name: string
  content: Readable
}

/** The answer when an upload carries no file, word for word the original's. */
export const NO_FILES = 'No files found in request.'

/**
 * Streams `files` into one of `userId`'s workspaces, one after the other, each under its own name
 * (replacing a file of that name): confined as `WorkspaceStorage.writeStream` confines it, and refused
 * (`payload_too_large`, the partial file removed) once the upload's files exceed `settings.uploadLimit`
 * bytes in all or the workspace's quota. Files written before a failure stay; either way the workspace's
 * current files, disk space and last-modified time are brought up to date. `not_found` for someone else's
 * or no workspace, `bad_request` while it is being deleted, for a bad name, or when no file came.
 */
export async function uploadFiles(
  d: WorkspaceDeps,
  userId: string,
  id: number,
  files: AsyncIterable<UploadedFile>,
): Promise<{ workspace: WorkspaceRecord; names: string[]; bytes: number }> {
  const ws = await getWorkspace(d, userId, id)
  if (!ws) throw notFound(`Workspace ${id} not found.`)
  if (ws.status === 'deleting') throw badRequest(`Workspace ${id} is being deleted.`)
  const ref = { ownerId: userId, id }
  const limit = d.settings.uploadLimit
  const names: string[] = []
  let bytes = 0
  let failure: unknown = null
  try {
    for await (const f of files) {
      const counted = Readable.from(
        countBytes(f.content, (n) => {
          bytes += n
          if (limit > 0 && bytes > limit)
            throw payloadTooLarge(`Upload too large: at most ${formatBytes(limit)} may be uploaded at once.`)
        }),
      )
      await d.storage.writeStream(ref, f.name, counted, { maxBytes: 0, quota: d.settings.quota })
      names.push(f.name)
    }
  } catch (err) {
    failure = err
  }
  const workspace = names.length ? await recordFiles(d, ws, names) : ws
  if (failure) throw failure
  if (!names.length) throw badRequest(NO_FILES)
  return { workspace, names, bytes }
}

/** Passes `content` through, telling `seen` each chunk's size first (which may throw to stop it). */
async function* countBytes(content: Readable, seen: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of content) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
    seen(buf.length)
    yield buf
  }
}

/**
 * Adds `names` to the workspace's current files (a symlink they replaced leaves its list) and re-measures
 * it; the details are read again in the same transaction, so concurrent uploads do not lose each other's.
 */
async function recordFiles(d: WorkspaceDeps, ws: WorkspaceRecord, names: string[]): Promise<WorkspaceRecord> {
  const usage = await d.storage.usage({ ownerId: ws.ownerId, id: ws.id })
  const updated = await d.workspaces.transaction(async (tx) => {
    const details = (await tx.getWorkspace(ws.id))?.details ?? ws.details
    const current = details.current_workspace_details
    return tx.updateWorkspace(
      ws.id,
      {
        details: {
          ...details,
          current_workspace_details: {
            symlinks: current.symlinks.filter((l) => !names.includes(l.name)),
            files: mergeEntries(
              current.files,
              names.map((name) => ({ name })),
            ),
          },
        },
        diskSpace: usage.bytes,
        lastModifiedAt: d.clock.now(),
      },
      ['initializing', 'idle', 'active', 'error'],
    )
  })
  return updated ?? ws
}
