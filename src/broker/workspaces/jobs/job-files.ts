import { constants, promises as fs } from 'node:fs'
import { join } from 'node:path'
import { jobFilesDir } from './job-command.js'

/**
 * The exit status job `jobId`'s program wrote into the workspace at `workspaceDir`, or null when there is
 * none (the program still runs, or its sandbox was stopped or vanished before it ended). The job runs as
 * the workspace's owner and may have put anything there: a symlink, a directory or anything but a small
 * decimal number counts as none, and nothing outside the workspace is followed.
 */
export async function readExitStatus(workspaceDir: string, jobId: number): Promise<number | null> {
  const dir = join(workspaceDir, jobFilesDir(jobId))
  for (const d of [join(workspaceDir, '.jobs'), dir]) {
    const st = await fs.lstat(d).catch(() => null)
    if (!st?.isDirectory()) return null
  }
  let handle: fs.FileHandle | null = null
  try {
    handle = await fs.open(
      join(dir, 'exit-status'),
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK,
    )
    if (!(await handle.stat()).isFile()) return null
    const buf = Buffer.alloc(16)
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0)
    const text = buf.subarray(0, bytesRead).toString('utf8').trim()
    return /^\d{1,3}$/.test(text) ? Number(text) : null
  } catch {
    return null
  } finally {
    await handle?.close()
  }
}
