/**
 * Where workspaces' files live, and the only code that touches them. Every name a caller passes is a
 * path relative to one workspace and is confined to it: `..`, absolute paths, and paths that pass through
 * a symlink are refused with `LabgateError('bad_request')` naming the problem, and nothing is written.
 * Symlinks may only point under one of the configured read-only data roots. Implementation:
 * `local-storage.ts` (directories under a root on this machine); conformance: `test/conformance/
 * workspace-storage.suite.ts`.
 */
import type { Readable } from 'node:stream'

/** Which workspace: its owner (a labgate user id) and its id. */
export interface WorkspaceRef {
  ownerId: string
  id: number
}

/** A file to write: its name relative to the workspace and its content (UTF-8 text). */
export interface FileInput {
  name: string
  content: string
}

/** A symlink to create: its name in the workspace and the absolute path under a data root it points to. */
export interface SymlinkInput {
  name: string
  sourcePath: string
}

/** What a workspace holds, measured. */
export interface Usage {
  bytes: number
  files: number
}

/** Per-workspace quota; 0 = unlimited. */
export interface Quota {
  bytes: number
  files: number
}

export interface WorkspaceStorage {
  /** The host directory of the workspace (whether or not it exists yet). */
  dir(ws: WorkspaceRef): string
  /** Host uid and gid that own the workspace's files and that its jobs' sandboxes run as (when labgate is root). */
  owner(ws: WorkspaceRef): { uid: number; gid: number }
  /** The configured read-only data roots (absolute, normalised), which jobs mount read-only at the same paths. */
  readonly dataRoots: readonly string[]
  /** Creates the workspace's directory, owned by {@link owner}. Idempotent. */
  create(ws: WorkspaceRef): Promise<void>
  /**
   * Writes (creating or replacing) each file, creating parent directories, all owned by {@link owner}.
   * Validates every name and the quota before writing any: `bad_request` for a bad name,
   * `payload_too_large` when the quota would be exceeded.
   */
  writeFiles(ws: WorkspaceRef, files: FileInput[], quota: Quota): Promise<void>
  /**
   * Creates (or replaces) each symlink. `bad_request` for a bad name or a target outside every data root
   * (after resolving the target's own symlinks), or a target that does not exist.
   */
  addSymlinks(ws: WorkspaceRef, links: SymlinkInput[]): Promise<void>
  /**
   * Streams `content` into the file `name` (replacing it), refusing past `maxBytes` or the quota
   * (`payload_too_large`, the partial file removed). Never follows a symlink swapped in meanwhile.
   */
  writeStream(
    ws: WorkspaceRef,
    name: string,
    content: Readable,
    limits: { maxBytes: number; quota: Quota },
  ): Promise<number>
  /** Bytes and files in the workspace (symlinks count as files of size 0; their targets are not followed). */
  usage(ws: WorkspaceRef): Promise<Usage>
  /** Copies every file and directory whose name does not start with `.` from one workspace into another. */
  copy(from: WorkspaceRef, to: WorkspaceRef): Promise<void>
  /** Deletes the workspace's directory and everything in it. Idempotent. */
  remove(ws: WorkspaceRef): Promise<void>
}
