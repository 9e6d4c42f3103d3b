/**
 * The sandboxes' `/etc` as one prepared directory on the host, bound read-only into each sandbox, instead
 * of one bind mount per host entry. A sandbox then has a handful of mounts under `/etc` instead of about
 * fifty: each bind costs the kernel a mount, a mount point in the sandbox's root and bwrap a read of the
 * sandbox's whole mount table (bwrap's start took 14 ms with the fifty, 6 ms with the view), and memory for
 * every sandbox (about 0.07 MiB, 700 MiB at 10,000 sessions).
 *
 * The view is a copy of the curated host entries (`hostEtcEntries`) and of labgate's own account files,
 * made when labgate starts and again when the host's entries change, in a directory named by the entries'
 * fingerprint (type, mode, size, mtime and link target of everything in it), so sandboxes already running
 * keep the copy they were given. Only what any host user can read is copied: a file or directory that
 * others cannot read (a private key under `/etc/ssl/private`) stays out. `resolv.conf` and `hosts`, which
 * a host rewrites while it runs, are still bound from the host at each start ({@link EtcView.live}).
 */
import { createHash, randomBytes } from 'node:crypto'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  type Stats,
} from 'node:fs'
import { join, posix } from 'node:path'
import type { EtcEntry } from './etc-entries.js'

/** Entries bound from the host at each sandbox start rather than copied: hosts rewrite them as they run. */
export const LIVE_ETC_NAMES: readonly string[] = ['resolv.conf', 'hosts']
/** How many views a data directory keeps: the current one and the newest nine before it. */
const KEPT_VIEWS = 10

/** A prepared `/etc`: the directory to bind read-only on `/etc`, and the host entries to bind over it. */
export interface EtcView {
  dir: string
  /** Host entries bound over their placeholders in `dir` at each start (see {@link LIVE_ETC_NAMES}). */
  live: EtcEntry[]
}

/** A file labgate writes itself (the sandbox's accounts) copied into the view under `name`. */
export interface EtcFile {
  name: string
  source: string
}

/**
 * The view of `entries` plus `files` under `root` (created 0755 if absent): an existing one with the
 * same fingerprint, else a new one, built under a temporary name and renamed into place (a concurrent
 * builder's identical view wins). Older views beyond the newest ten are removed. Throws only on I/O
 * errors of `root` itself; an entry that vanishes while it is copied is left out.
 */
export function prepareEtcView(root: string, entries: EtcEntry[], files: EtcFile[] = []): EtcView {
  const live = entries.filter((e) => 'source' in e && LIVE_ETC_NAMES.includes(posix.basename(e.path)))
  const copied = entries.filter((e) => !live.includes(e))
  const dir = join(root, etcFingerprint(copied, files))
  if (!existsSync(dir)) {
    mkdirSync(root, { recursive: true, mode: 0o755 })
    const tmp = join(root, `.building-${process.pid}-${randomBytes(4).toString('hex')}`)
    try {
      buildView(tmp, copied, files, live)
      renameSync(tmp, dir)
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true })
      if (!existsSync(dir)) throw e
    }
    pruneViews(root, dir)
  }
  return { dir, live }
}

/**
 * A short hash of everything a view of `entries` and `files` would hold: the entries as `lstat` and
 * `readlink` see them, the files by their mode and content.
 */
export function etcFingerprint(entries: EtcEntry[], files: EtcFile[]): string {
  const hash = createHash('sha256')
  const add = (path: string, st: Stats | null, link = '') =>
    hash.update(
      st ? `${path}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${st.ino}\0${link}\n` : `${path}\0absent\n`,
    )
  const walk = (host: string, path: string, st: Stats | null) => {
    if (!st) return add(path, null)
    if (st.isSymbolicLink()) return add(path, st, safe(() => readlinkSync(host)) ?? '')
    add(path, st)
    if (st.isDirectory() && readableByOthers(st)) {
      for (const name of (safe(() => readdirSync(host)) ?? []).sort()) {
        walk(
          join(host, name),
          `${path}/${name}`,
          safe(() => lstatSync(join(host, name))),
        )
      }
    }
  }
  for (const e of entries) {
    if ('symlink' in e) hash.update(`${e.path}\0->${e.symlink}\n`)
    else
      walk(
        e.source,
        e.path,
        safe(() => statSync(e.source)),
      )
  }
  // labgate's own files are rewritten, unchanged, at every start: by content, not by mtime, so a restart
  // does not make a new view.
  for (const f of files) {
    const st = safe(() => statSync(f.source))
    hash.update(`/etc/${f.name}\0${st?.mode ?? 'absent'}\0`)
    hash.update(safe(() => readFileSync(f.source)) ?? '')
  }
  return hash.digest('hex').slice(0, 16)
}

function buildView(dir: string, entries: EtcEntry[], files: EtcFile[], live: EtcEntry[]): void {
  mkdirSync(dir, { mode: 0o755 })
  for (const e of entries) {
    const target = join(dir, e.path.replace(/^\/etc\//, ''))
    mkdirSync(posix.dirname(target), { recursive: true, mode: 0o755 })
    if ('symlink' in e) symlinkSync(e.symlink, target)
    else copyEntry(e.source, target, true)
  }
  for (const f of files) copyEntry(f.source, join(dir, f.name), true)
  // Mount points for the live entries: bwrap cannot create them in a read-only bind.
  for (const e of live) writeFileSync(join(dir, e.path.replace(/^\/etc\//, '')), '', { mode: 0o644 })
  chmodSync(dir, 0o755)
}

/**
 * Copies `source` to `target`: a file or directory others can read (recursively; the top level followed
 * if a symlink, as a bind would), a symlink inside a directory as the link itself. Anything else (a
 * private file, a socket, a device) is left out.
 */
function copyEntry(source: string, target: string, top: boolean): void {
  const st = safe(() => (top ? statSync(source) : lstatSync(source)))
  if (!st) return
  if (st.isSymbolicLink()) {
    const link = safe(() => readlinkSync(source))
    if (link !== null) symlinkSync(link, target)
  } else if (st.isFile() && readableByOthers(st)) {
    if (safe(() => copyFileSync(source, target)) === null) return
    chmodSync(target, st.mode & 0o755)
  } else if (st.isDirectory() && readableByOthers(st)) {
    mkdirSync(target, { mode: 0o755 })
    for (const name of safe(() => readdirSync(source)) ?? []) {
      copyEntry(join(source, name), join(target, name), false)
    }
    chmodSync(target, st.mode & 0o755)
  }
}

/** Removes the views of `root` beyond the newest {@link KEPT_VIEWS}, never `current`. */
function pruneViews(root: string, current: string): void {
  const views = (safe(() => readdirSync(root)) ?? [])
    .filter((n) => /^[0-9a-f]{16}$/.test(n))
    .map((n) => ({ path: join(root, n), mtime: safe(() => lstatSync(join(root, n)).mtimeMs) ?? 0 }))
    .sort((a, b) => b.mtime - a.mtime)
  for (const v of views.slice(KEPT_VIEWS)) {
    if (v.path !== current) rmSync(v.path, { recursive: true, force: true })
  }
}

/** A file others may read, or a directory others may list and enter. */
function readableByOthers(st: Stats): boolean {
  return st.isDirectory() ? (st.mode & 0o005) === 0o005 : (st.mode & 0o004) !== 0
}

function safe<T>(f: () => T): T | null {
  try {
    return f()
  } catch {
    return null
  }
}
