/**
 * Copies one workspace's visible entries into another without following symlinks on either side:
 * symlinks are recreated as symlinks, files are read with O_NOFOLLOW and checked to be where the walk
 * expects them (a directory swapped for a symlink meanwhile is refused, so nothing outside is read).
 */
import { constants, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { badRequest } from '../domain/errors.js'
import { commitTemp, openTemp, openedPath, removeQuietly, tempName, type Chown } from './confined-fs.js'

/**
 * Copies every entry of `fromDir` whose name does not start with `.` (and everything under it,
 * dot-files included) into `toDir`, replacing what is there under the same names; all created entries
 * are owned by `owner`. Sockets, FIFOs and devices are skipped. Both directories must exist.
 */
export async function copyTree(fromDir: string, toDir: string, owner: Chown): Promise<void> {
  const realFrom = await fs.realpath(fromDir)
  const realTo = await fs.realpath(toDir)
  for (const name of await fs.readdir(realFrom)) {
    if (name.startsWith('.')) continue
    await fs.rm(join(realTo, name), { recursive: true, force: true })
    await copyEntry(join(realFrom, name), join(realTo, name), owner)
  }
}

async function copyEntry(src: string, dst: string, owner: Chown): Promise<void> {
  const st = await fs.lstat(src)
  if (st.isSymbolicLink()) {
    const target = await fs.readlink(src)
    const dir = join(dst, '..')
    const tmp = join(dir, tempName())
    await fs.symlink(target, tmp)
    if (owner) await fs.lchown(tmp, owner.uid, owner.gid)
    await commitTemp(tmp, dst, dst).catch(async (e) => {
      await removeQuietly(tmp)
      throw e
    })
  } else if (st.isDirectory()) {
    await fs.mkdir(dst, { mode: 0o700 })
    const made = await fs.lstat(dst)
    if (!made.isDirectory() || (await fs.realpath(dst)) !== dst)
      throw badRequest(`'${dst}' moved while copying`)
    if (owner) await fs.lchown(dst, owner.uid, owner.gid)
    await fs.chmod(dst, st.mode & 0o7777 & ~0o6000)
    for (const name of await fs.readdir(src)) await copyEntry(join(src, name), join(dst, name), owner)
  } else if (st.isFile()) {
    await copyFile(src, dst, st.mode, owner)
  }
}

async function copyFile(src: string, dst: string, mode: number, owner: Chown): Promise<void> {
  const input = await fs.open(src, constants.O_RDONLY | constants.O_NOFOLLOW)
  try {
    const real = await openedPath(input)
    if (real !== null && real !== src) throw badRequest(`'${src}' moved while copying`)
    const dir = join(dst, '..')
    const { handle, path } = await openTemp(dir, dir, dst, owner)
    try {
      const buf = Buffer.alloc(64 * 1024)
      for (;;) {
        const { bytesRead } = await input.read(buf, 0, buf.length, null)
        if (bytesRead === 0) break
        await handle.write(buf, 0, bytesRead)
      }
      await handle.chmod(mode & 0o777)
    } catch (e) {
      await handle.close()
      await removeQuietly(path)
      throw e
    }
    await handle.close()
    await commitTemp(path, dst, dst).catch(async (e) => {
      await removeQuietly(path)
      throw e
    })
  } finally {
    await input.close()
  }
}
