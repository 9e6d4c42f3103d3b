import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { chmod, chown, mkdir, readdir, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { LabgateError } from '../../domain/errors.js'

/** `<dataDir>/sessions/<session>`: root-owned, holds the home and bwrap's log; never visible in a sandbox. */
export const sessionDir = (dataDir: string, session: string) => join(dataDir, 'sessions', session)
/** `<dataDir>/sessions/<session>/home`: the only host directory a sandbox can write. */
export const homeDir = (dataDir: string, session: string) => join(sessionDir(dataDir, session), 'home')

/**
 * Creates `<dataDir>/sessions` (mode 0711: the sandbox user may pass through, not list) and makes sure the
 * sandbox uid can reach it: bwrap resolves the home's path as that uid. A data directory labgate owns gets
 * search permission for others (`o+x`, never read); any other blocking directory is a `config_invalid`
 * error naming it. Synchronous: runs once at construction.
 */
export function prepareDataDir(dataDir: string, uid: number, gid: number, log: (msg: string) => void): void {
  const sessions = join(resolve(dataDir), 'sessions')
  mkdirSync(sessions, { recursive: true, mode: 0o711 })
  chmodSync(sessions, 0o711)
  writeIdentityFiles(dataDir)
  if (uid === process.getuid?.()) return
  for (let dir = sessions; ; dir = dirname(dir)) {
    const st = statSync(dir)
    const searchable = st.uid === uid ? st.mode & 0o100 : st.gid === gid ? st.mode & 0o010 : st.mode & 0o001
    if (!searchable) {
      if (st.uid !== process.getuid?.() || dir !== resolve(dataDir)) {
        throw new LabgateError(
          'config_invalid',
          `the sandbox uid ${uid} cannot reach ${sessions}: ${dir} needs search permission (chmod o+x ${dir})`,
        )
      }
      chmodSync(dir, st.mode | 0o001)
      log(`local backend: added search permission (o+x) to ${dir} so sandbox homes can be mounted`)
    }
    if (dir === dirname(dir)) return
  }
}

/** Creates the session's directory (its lock and bwrap's log; no home: for a sandbox with a home from outside). */
export async function createSessionDir(dataDir: string, session: string): Promise<string> {
  const dir = sessionDir(dataDir, session)
  await mkdir(dir, { recursive: true, mode: 0o711 })
  return dir
}

/** Creates the session's directory and its home, owned by the sandbox uid. Keeps an existing home. */
export async function createSessionFiles(dataDir: string, session: string, uid: number, gid: number) {
  const dir = await createSessionDir(dataDir, session)
  const home = homeDir(dataDir, session)
  await mkdir(home, { recursive: true, mode: 0o700 })
  if (uid !== process.getuid?.() || gid !== process.getgid?.()) await chown(home, uid, gid)
  return { dir, home }
}

/**
 * Deletes `<dataDir>/sessions/<session>` and everything in it. A missing directory is fine. Directories the
 * sandbox made unwritable (chmod 0500) are made writable first, so this works without root too.
 */
export async function removeSessionFiles(dataDir: string, session: string): Promise<void> {
  const dir = sessionDir(dataDir, session)
  try {
    await rm(dir, { recursive: true, force: true })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EACCES' && (err as NodeJS.ErrnoException).code !== 'EPERM') {
      throw err
    }
    await makeWritable(dir)
    await rm(dir, { recursive: true, force: true })
  }
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(() => undefined)
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => [])
  for (const entry of entries) {
    if (entry.isDirectory()) await makeWritable(join(dir, entry.name))
  }
}

/** The sandbox's own account files, so the learner is `lab` and the host's accounts stay private. */
export const identityFiles = (dataDir: string) => ({
  passwd: join(resolve(dataDir), 'sessions', '.etc', 'passwd'),
  group: join(resolve(dataDir), 'sessions', '.etc', 'group'),
})

/** Writes {@link identityFiles} (world-readable: bwrap mounts them as the sandbox uid). Idempotent. */
function writeIdentityFiles(dataDir: string): void {
  const files = identityFiles(dataDir)
  mkdirSync(dirname(files.passwd), { recursive: true, mode: 0o755 })
  chmodSync(dirname(files.passwd), 0o755)
  const passwd = [
    'root:x:0:0:root:/root:/usr/sbin/nologin',
    'lab:x:1000:1000:Lab user:/home/lab:/bin/bash',
    'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin',
  ]
  const group = ['root:x:0:', 'lab:x:1000:', 'nogroup:x:65534:']
  writeFileSync(files.passwd, passwd.join('\n') + '\n', { mode: 0o644 })
  writeFileSync(files.group, group.join('\n') + '\n', { mode: 0o644 })
}
