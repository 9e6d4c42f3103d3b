/** Files and symlinks as clients send them in a workspace's create or update. */
import { badRequest } from '../../domain/errors.js'
import type { FileInput, SymlinkInput } from '../../storage/workspace-storage.js'
import type { WorkspaceFileEntry, WorkspaceSymlinkEntry } from '../../store/workspace-records.js'

/** A file of a create or update; no content is an empty file. */
export interface FileSpec {
  name: string
  content?: string
}

/** A symlink: `source_path` (or its alias `path`) is an absolute path under a data root. */
export interface SymlinkSpec {
  name: string
  source_path?: string
  path?: string
}

/** The storage's inputs for `files` and `symlinks`; `bad_request` for a symlink without a target. */
export function storageInputs(
  files: FileSpec[],
  symlinks: SymlinkSpec[],
): { files: FileInput[]; links: SymlinkInput[] } {
  return {
    files: files.map((f) => ({ name: f.name, content: f.content ?? '' })),
    links: symlinks.map((l) => {
      const sourcePath = l.source_path ?? l.path
      if (!sourcePath)
        throw badRequest(
          `symlink ${JSON.stringify(l.name)} needs a source_path: the absolute path it points to`,
        )
      return { name: l.name, sourcePath }
    }),
  }
}

/** The details' entries for files and symlinks (contents are never stored). */
export function detailEntries(
  files: FileInput[],
  links: SymlinkInput[],
): { files: WorkspaceFileEntry[]; symlinks: WorkspaceSymlinkEntry[] } {
  return {
    files: files.map((f) => ({ name: f.name })),
    symlinks: links.map((l) => ({ name: l.name, source_path: l.sourcePath })),
  }
}

/** `entries` with `added` merged in by name (a later entry replaces an earlier one of the same name). */
export function mergeEntries<T extends { name: string }>(entries: T[], added: T[]): T[] {
  const byName = new Map(entries.map((e) => [e.name, e]))
  for (const e of added) byName.set(e.name, e)
  return [...byName.values()]
}
