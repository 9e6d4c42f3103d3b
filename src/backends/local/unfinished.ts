import { readdir, readlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'

/**
 * The processes of sandboxes whose setup never finished under `dataDir`: bwrap writes its setup errors to
 * `<dataDir>/sessions/<s>/bwrap.log`, so every bwrap process still setting up has it as stderr (a finished
 * sandbox's holder has /dev/null). A crash of labgate can leave such a process waiting forever (its outer
 * bwrap died of the launcher's exit before it released the sandbox's pid 1), holding no lock and no home.
 * `exclude` lists the pids of the sandboxes to keep (their bwraps keep the log as stderr). Call it only
 * while no start is under way. Never throws.
 */
export async function unfinishedSandboxPids(
  dataDir: string,
  exclude: ReadonlySet<number>,
): Promise<number[]> {
  const prefix = join(resolve(dataDir), 'sessions') + '/'
  const pids: number[] = []
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || exclude.has(Number(entry))) continue
    const target = await readlink(`/proc/${entry}/fd/2`).catch(() => '')
    if (target.startsWith(prefix) && /\/bwrap\.log( \(deleted\))?$/.test(target)) pids.push(Number(entry))
  }
  return pids
}
