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
import type { Stats } from 'node:fs'
import {
  chmod,
  copyFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises'
import { join, posix } from 'node:path'
import type { EtcEntry } from './etc-entries.js'

/** Entries bound from the host at each sandbox start rather than copied: hosts rewrite them as they run. */
const LIVE_ETC_NAMES: readonly string[] = ['resolv.conf', 'hosts']
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
 * builder's identical view wins). Older views beyond the newest ten are removed. Rejects only on I/O
 * errors of `root` itself; an entry that vanishes while it is copied is left out. All of it is
 * asynchronous: a first build (about 900 entries here) takes up to a second of file system calls, most
 * of it creating the symlinks of `/etc/alternatives` and `/etc/ssl/certs`.
 */
export async function prepareEtcView(
  root: string,
  entries: EtcEntry[],
  files: EtcFile[] = [],
): Promise<EtcView> {
  const live = entries.filter((e) => 'source' in e && LIVE_ETC_NAMES.includes(posix.basename(e.path)))
  const copied = entries.filter((e) => !live.includes(e))
  const dir = join(root, await etcFingerprint(copied, files))
  if (!(await attempt(lstat(dir)))) {
    await mkdir(root, { recursive: true, mode: 0o755 })
    const tmp = join(root, `.building-${process.pid}-${randomBytes(4).toString('hex')}`)
    try {
      await buildView(tmp, copied, files, live)
      await rename(tmp, dir)
    } catch (e) {
      await rm(tmp, { recursive: true, force: true })
      if (!(await attempt(lstat(dir)))) throw e
    }
    await pruneViews(root, dir)
  }
  return { dir, live }
}

/**
 * A short hash of everything a view of `entries` and `files` would hold: the entries as `lstat` and
 * `readlink` see them, the files by their mode and content.
 */
async function etcFingerprint(entries: EtcEntry[], files: EtcFile[]): Promise<string> {
  const line = (path: string, st: Stats | null, link = '') =>
    st ? `${path}\0${st.mode}\0${st.size}\0${st.mtimeMs}\0${st.ino}\0${link}\n` : `${path}\0absent\n`
  const walk = async (host: string, path: string, st: Stats | null): Promise<string[]> => {
    if (!st) return [line(path, null)]
    if (st.isSymbolicLink()) return [line(path, st, (await attempt(readlink(host))) ?? '')]
    if (!st.isDirectory() || !readableByOthers(st)) return [line(path, st)]
    const names = ((await attempt(readdir(host))) ?? []).sort()
    const below = await Promise.all(
      names.map(async (n) => walk(join(host, n), `${path}/${n}`, await attempt(lstat(join(host, n))))),
    )
    return [line(path, st), ...below.flat()]
  }
  const lines = await Promise.all(
    entries.map(async (e) =>
      'symlink' in e
        ? [`${e.path}\0->${e.symlink}\n`]
        : walk(e.source, e.path, await attempt(stat(e.source))),
    ),
  )
  const hash = createHash('sha256')
  for (const l of lines.flat()) hash.update(l)
  // labgate's own files are rewritten, unchanged, at every start: by content, not by mtime, so a restart
  // does not make a new view.
  for (const f of files) {
    const st = await attempt(stat(f.source))
    hash.update(`/etc/${f.name}\0${st?.mode ?? 'absent'}\0`)
    hash.update((await attempt(readFile(f.source))) ?? '')
  }
  return hash.digest('hex').slice(0, 16)
}

async function buildView(dir: string, entries: EtcEntry[], files: EtcFile[], live: EtcEntry[]) {
  await mkdir(dir, { mode: 0o755 })
  const inView = (path: string) => join(dir, path.replace(/^\/etc\//, ''))
  // Parents first (ssh/ssh_config), one at a time; the entries themselves in parallel.
  for (const e of entries) await mkdir(posix.dirname(inView(e.path)), { recursive: true, mode: 0o755 })
  await Promise.all([
    ...entries.map((e) =>
      'symlink' in e ? symlink(e.symlink, inView(e.path)) : copyEntry(e.source, inView(e.path), true),
    ),
    ...files.map((f) => copyEntry(f.source, join(dir, f.name), true)),
    // Mount points for the live entries: bwrap cannot create them in a read-only bind.
    ...live.map((e) => writeFile(inView(e.path), '', { mode: 0o644 })),
  ])
  await chmod(dir, 0o755)
}

/**
 * Copies `source` to `target`: a file or directory others can read (recursively; the top level followed
 * if a symlink, as a bind would), a symlink inside a directory as the link itself. Anything else (a
 * private file, a socket, a device) is left out.
 */
async function copyEntry(source: string, target: string, top: boolean): Promise<void> {
  const st = await attempt(top ? stat(source) : lstat(source))
  if (!st) return
  if (st.isSymbolicLink()) {
    const link = await attempt(readlink(source))
    if (link !== null) await symlink(link, target)
  } else if (st.isFile() && readableByOthers(st)) {
    if ((await attempt(copyFile(source, target))) === null) return
    await chmod(target, st.mode & 0o755)
  } else if (st.isDirectory() && readableByOthers(st)) {
    await mkdir(target, { mode: 0o755 })
    const names = (await attempt(readdir(source))) ?? []
    await Promise.all(names.map((n) => copyEntry(join(source, n), join(target, n), false)))
    await chmod(target, st.mode & 0o755)
  }
}

/** Removes the views of `root` beyond the newest {@link KEPT_VIEWS}, never `current`. */
async function pruneViews(root: string, current: string): Promise<void> {
  const names = ((await attempt(readdir(root))) ?? []).filter((n) => /^[0-9a-f]{16}$/.test(n))
  const views = await Promise.all(
    names.map(async (n) => ({
      path: join(root, n),
      mtime: (await attempt(lstat(join(root, n))))?.mtimeMs ?? 0,
    })),
  )
  views.sort((a, b) => b.mtime - a.mtime)
  for (const v of views.slice(KEPT_VIEWS)) {
    if (v.path !== current) await rm(v.path, { recursive: true, force: true })
  }
}

/** A file others may read, or a directory others may list and enter. */
function readableByOthers(st: Stats): boolean {
  return st.isDirectory() ? (st.mode & 0o005) === 0o005 : (st.mode & 0o004) !== 0
}

/** `p`'s value, or null when it rejects (an entry that vanished or cannot be read is left out). */
function attempt<T>(p: Promise<T>): Promise<T | null> {
  return p.catch(() => null)
}
