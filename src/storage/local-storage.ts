/**
 * `WorkspaceStorage` on this machine: each workspace is `<root>/<ownerId>/<id>`, the owner directories
 * 0711 and owned by labgate, the workspace directories 0700 and owned by the workspace's host uid (when
 * labgate is root and a uid range is configured). Names are checked by `safe-path.ts`, writes go through
 * `confined-fs.ts`, usage is `usage.ts`, copies `copy-tree.ts`.
 */
import { existsSync, realpathSync, promises as fs } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import type { Readable } from 'node:stream'
import { LabgateError, badRequest, payloadTooLarge } from '../domain/errors.js'
import {
  checkParents,
  commitTemp,
  ensureParents,
  openTemp,
  removeQuietly,
  tempName,
  type Chown,
} from './confined-fs.js'
import { copyTree } from './copy-tree.js'
import { checkWorkspaceRef, isUnder, nameSegments } from './safe-path.js'
import { measure } from './usage.js'
import type {
  FileInput,
  Quota,
  SymlinkInput,
  Usage,
  WorkspaceRef,
  WorkspaceStorage,
} from './workspace-storage.js'

export interface LocalWorkspaceStorageOptions {
  /** Absolute directory holding every workspace; created (0711) when missing. */
  root: string
  /** Absolute read-only data roots symlinks may point into; each must exist (normalised with realpath). */
  dataRoots: string[]
  /** When labgate runs as root: workspace id N is owned by uid = gid = first + (N % count). */
  uids?: { first: number; count: number }
}

/** Human-readable size: `512 B`, `1.5 KiB`, `10.0 MiB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  const units = ['KiB', 'MiB', 'GiB', 'TiB']
  let v = n / 1024
  let i = 0
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024
    i++
  }
  return `${v.toFixed(1)} ${units[i]}`
}

/** Refuses (`payload_too_large`) usage past a quota (0 = unlimited), saying by how much. */
function checkQuota(after: Usage, quota: Quota): void {
  if (quota.bytes > 0 && after.bytes > quota.bytes)
    throw payloadTooLarge(
      `workspace quota exceeded: ${formatBytes(after.bytes)} of ${formatBytes(quota.bytes)} would be used`,
    )
  if (quota.files > 0 && after.files > quota.files)
    throw payloadTooLarge(
      `workspace quota exceeded: ${after.files} files of ${quota.files} allowed would be used`,
    )
}

export class LocalWorkspaceStorage implements WorkspaceStorage {
  readonly dataRoots: readonly string[]
  private readonly root: string
  private readonly uids: { first: number; count: number } | undefined

  constructor(opts: LocalWorkspaceStorageOptions) {
    if (!isAbsolute(opts.root))
      throw new LabgateError('config_invalid', `workspace root '${opts.root}' is not absolute`)
    const bad = opts.dataRoots.filter((d) => !isAbsolute(d) || !existsSync(d))
    if (bad.length)
      throw new LabgateError(
        'config_invalid',
        `workspace data roots missing or not absolute: ${bad.join(', ')}`,
      )
    if (opts.uids && (!(opts.uids.count >= 1) || !(opts.uids.first >= 0)))
      throw new LabgateError('config_invalid', 'workspace uid range needs first >= 0 and count >= 1')
    this.root = opts.root
    this.dataRoots = opts.dataRoots.map((d) => realpathSync(d))
    this.uids = opts.uids
  }

  dir(ws: WorkspaceRef): string {
    checkWorkspaceRef(ws)
    return join(this.root, ws.ownerId, String(ws.id))
  }

  owner(ws: WorkspaceRef): { uid: number; gid: number } {
    checkWorkspaceRef(ws)
    if (this.uids && process.getuid?.() === 0) {
      const id = this.uids.first + (ws.id % this.uids.count)
      return { uid: id, gid: id }
    }
    return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 }
  }

  /** Whom to chown created entries to: null when labgate is not root (they are its own already). */
  private chownTo(ws: WorkspaceRef): Chown {
    return this.uids && process.getuid?.() === 0 ? this.owner(ws) : null
  }

  async create(ws: WorkspaceRef): Promise<void> {
    const dir = this.dir(ws)
    await this.mkdirExact(this.root, 0o711, null)
    await this.mkdirExact(join(this.root, ws.ownerId), 0o711, null)
    await this.mkdirExact(dir, 0o700, this.chownTo(ws))
  }

  /** Makes a real directory (not a symlink) with exactly `mode`, owned by `owner` when given. */
  private async mkdirExact(path: string, mode: number, owner: Chown): Promise<void> {
    try {
      await fs.mkdir(path, { mode, recursive: path === this.root })
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
    }
    const st = await fs.lstat(path)
    if (!st.isDirectory()) throw new LabgateError('config_invalid', `'${path}' is not a directory`)
    if (owner && (st.uid !== owner.uid || st.gid !== owner.gid)) await fs.lchown(path, owner.uid, owner.gid)
    if ((st.mode & 0o7777) !== mode) await fs.chmod(path, mode)
  }

  async writeFiles(ws: WorkspaceRef, files: FileInput[], quota: Quota): Promise<void> {
    const dir = this.dir(ws)
    const checked = files.map((f) => ({ ...f, segments: nameSegments(f.name) }))
    // Later entries with the same name win; the quota counts each name once.
    const last = new Map(checked.map((f) => [f.segments.join('/'), f]))
    await this.create(ws)
    const used = await measure(dir)
    const after = { ...used }
    for (const f of last.values()) {
      await checkParents(dir, f.segments, f.name)
      const existing = await fs.lstat(join(dir, ...f.segments)).catch(() => null)
      if (existing?.isDirectory()) throw badRequest(`'${f.name}' is a directory`)
      if (existing) after.bytes -= existing.isFile() ? existing.size : 0
      else after.files += 1
      after.bytes += Buffer.byteLength(f.content, 'utf8')
    }
    checkQuota(after, quota)
    for (const f of last.values()) {
      await this.writeOne(ws, dir, f.segments, f.name, async (h) => {
        await h.writeFile(f.content, 'utf8')
      })
    }
  }

  /** Creates parents, writes a temp file with `fill`, renames it onto the name; the temp is removed on failure. */
  private async writeOne(
    ws: WorkspaceRef,
    dir: string,
    segments: string[],
    name: string,
    fill: (h: import('node:fs/promises').FileHandle) => Promise<void>,
  ): Promise<void> {
    const owner = this.chownTo(ws)
    const parent = await ensureParents(dir, segments, name, owner)
    const expected = join(await fs.realpath(dir), ...segments.slice(0, -1))
    const { handle, path } = await openTemp(parent, expected, name, owner)
    try {
      await fill(handle)
    } catch (e) {
      await handle.close()
      await removeQuietly(path)
      throw e
    }
    await handle.close()
    await commitTemp(path, join(parent, segments[segments.length - 1]!), name).catch(async (e) => {
      await removeQuietly(path)
      throw e
    })
  }

  async addSymlinks(ws: WorkspaceRef, links: SymlinkInput[]): Promise<void> {
    const dir = this.dir(ws)
    const checked = []
    for (const l of links) {
      const segments = nameSegments(l.name)
      if (typeof l.sourcePath !== 'string' || !isAbsolute(l.sourcePath) || l.sourcePath.includes('\0'))
        throw badRequest(`symlink '${l.name}': target must be an absolute path`)
      let real: string
      try {
        real = await fs.realpath(l.sourcePath)
      } catch {
        throw badRequest(`symlink '${l.name}': target '${l.sourcePath}' does not exist`)
      }
      if (!this.dataRoots.some((r) => isUnder(real, r)))
        throw badRequest(`symlink '${l.name}': target '${l.sourcePath}' is not under a data root`)
      checked.push({ ...l, segments })
    }
    await this.create(ws)
    for (const l of checked) await checkParents(dir, l.segments, l.name)
    const owner = this.chownTo(ws)
    for (const l of checked) {
      const parent = await ensureParents(dir, l.segments, l.name, owner)
      const finalPath = join(parent, l.segments[l.segments.length - 1]!)
      const existing = await fs.lstat(finalPath).catch(() => null)
      if (existing?.isDirectory()) throw badRequest(`symlink '${l.name}' would replace a directory`)
      const tmp = join(parent, tempName())
      await fs.symlink(l.sourcePath, tmp)
      try {
        if ((await fs.realpath(parent)) !== join(await fs.realpath(dir), ...l.segments.slice(0, -1)))
          throw badRequest(`'${l.name}' passes through a symlink`)
        if (owner) await fs.lchown(tmp, owner.uid, owner.gid)
        await commitTemp(tmp, finalPath, l.name)
      } catch (e) {
        await removeQuietly(tmp)
        throw e
      }
    }
  }

  async writeStream(
    ws: WorkspaceRef,
    name: string,
    content: Readable,
    limits: { maxBytes: number; quota: Quota },
  ): Promise<number> {
    const dir = this.dir(ws)
    const segments = nameSegments(name)
    await this.create(ws)
    await checkParents(dir, segments, name)
    const used = await measure(dir)
    const existing = await fs.lstat(join(dir, ...segments)).catch(() => null)
    if (existing?.isDirectory()) throw badRequest(`'${name}' is a directory`)
    const base = {
      bytes: used.bytes - (existing?.isFile() ? existing.size : 0),
      files: used.files + (existing ? 0 : 1),
    }
    checkQuota(base, limits.quota)
    let written = 0
    try {
      await this.writeOne(ws, dir, segments, name, async (h) => {
        for await (const chunk of content) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer)
          written += buf.length
          if (limits.maxBytes > 0 && written > limits.maxBytes)
            throw payloadTooLarge(`upload of '${name}' exceeds the limit of ${formatBytes(limits.maxBytes)}`)
          checkQuota({ bytes: base.bytes + written, files: base.files }, limits.quota)
          await h.write(buf)
        }
      })
    } catch (e) {
      content.destroy()
      throw e
    }
    return written
  }

  async usage(ws: WorkspaceRef): Promise<Usage> {
    return measure(this.dir(ws))
  }

  async copy(from: WorkspaceRef, to: WorkspaceRef): Promise<void> {
    const src = this.dir(from)
    await this.create(to)
    try {
      await fs.access(src)
    } catch {
      return
    }
    await copyTree(src, this.dir(to), this.chownTo(to))
  }

  async remove(ws: WorkspaceRef): Promise<void> {
    await fs.rm(this.dir(ws), { recursive: true, force: true })
  }
}
